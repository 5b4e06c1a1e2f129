"""Pages, by area. Each view asks :mod:`competence.services.policy` who may do what, calls a
service and renders a template with what the service returns; a template never decides a rule.
"""
