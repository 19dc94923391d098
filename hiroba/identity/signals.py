"""What identity tells other apps without knowing them: receivers run inside the sender's transaction."""

from django.dispatch import Signal

# A known person got a new certificate (a renewed or reissued card, a new phone): `person` (Person), `actor` (Actor).
credential_changed = Signal()
