"""Use cases that the command line, the web app, the API and the Python API all call.

Each takes plain values and returns plain data or the records it made; each is one transaction.
The modules here import the tables, so :func:`competence.services.database.ready` (or Django's
own start-up, in the web app) comes before importing them; :mod:`~competence.services.database`
itself imports nothing of Django until it is called.
"""
