"""The HTTP API: ``interdictor.api.app.create_app`` builds it, ``interdictor serve`` runs it."""
