from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from config.api import api
from hiroba.core import health, observability

urlpatterns = [
    path("", include("hiroba.tenancy.urls")),
    path("staff/login/", auth_views.LoginView.as_view(template_name="staff_login.html"), name="staff-login"),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="staff-logout"),
    path("i18n/setlang/", set_language, name="set-language"),
    path("api/v1/", api.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", observability.metrics_view, name="metrics"),
]

handler404 = "hiroba.core.views.page_not_found"
handler500 = "hiroba.core.views.server_error"
handler403 = "hiroba.core.views.permission_denied"
