from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

from config.api import api
from hiroba.core import health, observability

# The API and the probes come first: Django tries patterns in order, and every payment should not walk the pages'.
urlpatterns = [
    path("api/v1/", api.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", observability.metrics_view, name="metrics"),
    path("", include("hiroba.tenancy.urls")),
    path("", include("hiroba.identity.urls")),
    path("", include("hiroba.identity.urls_staff")),
    path("", include("hiroba.wallet.urls_resident")),
    path("", include("hiroba.wallet.urls_shop")),
    path("", include("hiroba.wallet.urls_staff")),
    path("", include("hiroba.health.urls_resident")),
    path("", include("hiroba.health.urls_staff")),
    path("", include("hiroba.core.urls")),
    path("", include("hiroba.assist.urls")),
    path("", include("hiroba.assist.urls_channels")),
    path("", include("hiroba.voting.urls")),
    path("", include("hiroba.voting.urls_authority")),  # before the committee's polls/<uuid>/
    path("", include("hiroba.voting.urls_committee")),
    path("", include("hiroba.learning.urls")),
    path("", include("hiroba.cocreation.urls")),
    path("", include("hiroba.cocreation.urls_workshops")),
    path("", include("hiroba.learning.simulator.urls")),
    path("i18n/setlang/", set_language, name="set-language"),
]

if settings.TEST_RIG:  # the card-less test rig (dev OIDC provider, virtual cards); never in production
    urlpatterns.append(path("", include("hiroba.identity.urls_dev")))

handler404 = "hiroba.core.views.page_not_found"
handler500 = "hiroba.core.views.server_error"
handler403 = "hiroba.core.views.permission_denied"
