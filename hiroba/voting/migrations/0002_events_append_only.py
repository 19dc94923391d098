"""The election's event log is append-only in the database too: UPDATE of an event or of its data members is
refused by a trigger on both backends.

DELETE is left alone (test-suite teardown empties the tables; `on_delete=PROTECT` keeps an opened election's
events); a missing or changed event is found by the archive's hash links (`hiroba voting verify`).
"""

from django.db import migrations

from hiroba.core.appendonly import append_only


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_initial")]
    operations = [
        append_only(
            ("voting_electionevent", "voting_eventmember"),
            "voting.events.append_only: the events of an election are never changed",
        )
    ]
