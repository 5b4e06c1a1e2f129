from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from competence.web.api import api
from competence.web.views import (
    accounts,
    assessment,
    audit,
    calibration,
    common,
    cycles,
    evidence,
    framework,
    jobs,
    manage,
    people,
    plans,
    profiles,
    results,
    review,
    second_views,
    team,
    teams,
    trends,
    webhooks,
)

urlpatterns = [
    path("healthz", common.healthz, name="healthz"),
    path("favicon.ico", common.favicon, name="favicon"),
    path("", common.home, name="home"),
    path(
        "signin",
        auth_views.LoginView.as_view(
            template_name="competence/signin.html", redirect_authenticated_user=True
        ),
        name="signin",
    ),
    path("signout", auth_views.LogoutView.as_view(), name="signout"),
    path(
        "password-reset",
        auth_views.PasswordResetView.as_view(
            template_name="competence/password_reset.html",
            email_template_name="competence/password_reset_email.txt",
            subject_template_name="competence/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent",
        auth_views.PasswordResetDoneView.as_view(
            template_name="competence/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="competence/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="competence/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("framework", framework.framework, name="framework"),
    path("framework/compare", framework.compare, name="compare"),
    path("frameworks", framework.framework_list, name="frameworks"),
    path("profiles", profiles.profile_list, name="profiles"),
    path("profiles/new", profiles.profile_new, name="profile_new"),
    path("profiles/<slug:slug>", profiles.profile_latest, name="profile_latest"),
    path("profiles/<slug:slug>/edit", profiles.profile_edit, name="profile_edit"),
    path(
        "profiles/<slug:slug>/versions/<int:number>",
        profiles.profile_version,
        name="profile_version",
    ),
    path("me/assessment", assessment.self_assessment, name="self_assessment"),
    path("me/assessment/evidence", evidence.my_evidence, name="my_evidence"),
    path("me/assessment/check", assessment.check_answers, name="check_answers"),
    path("me/assessment/withdraw", assessment.withdraw, name="withdraw"),
    path("me/data.json", results.my_data, name="my_data"),
    path("evidence/<int:file_id>", evidence.evidence_file, name="evidence_file"),
    path("people/<int:person_id>", results.person_results, name="results"),
    path("people/<int:person_id>/ratings.<str:fmt>", results.person_download, name="download"),
    path("people/<int:person_id>/report.<str:fmt>", results.person_report, name="report"),
    path("team", team.team, name="team"),
    path("team/report.<str:fmt>", team.team_report, name="team_report"),
    path("team/plan", team.team_plan, name="team_plan"),
    path("team/calibration", calibration.team_calibration, name="team_calibration"),
    path("team/trends", trends.team_trends, name="team_trends"),
    path("review", review.review_list, name="review_list"),
    path("due", review.due_list, name="due"),
    path("people/<int:person_id>/review", review.review_page, name="review"),
    path("people/<int:person_id>/review/sign-off", review.review_sign_off, name="review_sign_off"),
    path("people/<int:person_id>/review/answers", review.review_answers, name="review_answers"),
    path("people/<int:person_id>/plan", plans.plan_generate, name="plan_generate"),
    path("people/<int:person_id>/plan/edit", plans.plan_edit, name="plan_edit"),
    path("admin", manage.admin_hub, name="admin_hub"),
    path("people", people.people_list, name="people"),
    path("people/new", people.person_new, name="person_new"),
    path("people/<int:person_id>/edit", people.person_edit, name="person_edit"),
    path("people/<int:person_id>/erase", people.person_erase, name="person_erase"),
    path("people/<int:person_id>/raters", second_views.person_raters, name="person_raters"),
    path("raters", second_views.asked, name="second_views_asked"),
    path("raters/<int:view_id>", second_views.second_view, name="second_view"),
    path("teams", teams.teams_page, name="teams"),
    path("teams/new", teams.team_new, name="team_new"),
    path("teams/<int:team_id>/edit", teams.team_edit, name="team_edit"),
    path("pmos/new", teams.pmo_new, name="pmo_new"),
    path("pmos/<int:pmo_id>/edit", teams.pmo_edit, name="pmo_edit"),
    path("manage/import", manage.manage_import, name="manage_import"),
    path("manage/export.<str:fmt>", manage.manage_export, name="manage_export"),
    path("manage/reports", jobs.reports_for_everyone, name="reports_for_everyone"),
    path("jobs/<int:job_id>", jobs.job_page, name="job"),
    path("jobs/<int:job_id>/download", jobs.job_download, name="job_download"),
    path("users", accounts.user_list, name="user_list"),
    path("users/<int:user_id>", accounts.user_detail, name="user_detail"),
    path(
        "users/<int:user_id>/password-reset",
        accounts.user_password_reset,
        name="user_password_reset",
    ),
    path("users/<int:user_id>/tokens", accounts.user_token_create, name="user_token_create"),
    path("tokens/<int:token_id>/revoke", accounts.token_revoke, name="token_revoke"),
    path("cycles", cycles.cycle_list, name="cycle_list"),
    path("cycles/<int:cycle_id>", cycles.cycle_detail, name="cycle_detail"),
    path("cycles/<int:cycle_id>/reminders", cycles.cycle_reminders, name="cycle_reminders"),
    path("audit", audit.audit_trail, name="audit_trail"),
    path("audit.csv", audit.audit_export, name="audit_export"),
    path("webhooks", webhooks.webhook_list, name="webhooks"),
    path("webhooks/<int:webhook_id>", webhooks.webhook_action, name="webhook_action"),
    path(
        "webhooks/deliveries/<int:delivery_id>/retry",
        webhooks.delivery_retry,
        name="delivery_retry",
    ),
    path("api/v1/", api.urls),
]

handler500 = "competence.web.views.common.server_error"

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
