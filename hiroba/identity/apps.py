from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "hiroba.identity"
    label = "identity"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from hiroba.identity.services.sessions import session_clock_start

        user_logged_in.connect(session_clock_start, dispatch_uid="hiroba.identity.session_clock")
