from django.apps import AppConfig


class AssistConfig(AppConfig):
    name = "hiroba.assist"
    label = "assist"

    def ready(self) -> None:
        from hiroba.assist.services.proxies import delegations_review_on_new_credential
        from hiroba.identity.signals import credential_changed

        credential_changed.connect(delegations_review_on_new_credential, dispatch_uid="assist.proxy_review")
