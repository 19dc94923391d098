"""Quiz attempts and issued badges are append-only in the database too: UPDATE is refused by a trigger on both
backends (a new attempt is added instead; a badge is kept as issued).

DELETE is left alone: a staff member's rows go with their account (`on_delete=CASCADE`), and test-suite teardown
empties the tables.
"""

from django.db import migrations

from hiroba.core.appendonly import append_only


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]
    operations = [
        append_only(
            ("learning_quizattempt", "learning_badgeissue"),
            "learning.append_only: quiz attempts and badges are never changed",
        )
    ]
