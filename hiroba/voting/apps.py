from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "hiroba.voting"
    label = "voting"
    verbose_name = "Voting"
