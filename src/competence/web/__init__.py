"""The Django project: settings, URLs, views by area, the JSON API, templates and static files.

Views and the API ask :mod:`competence.services.policy` who may do what and call services; they
never query the tables themselves.
"""
