from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal.two_factor import mark_authenticated

        # Plumbing, not a business rule: remember when the password was last entered (re-authentication).
        def remember(sender: object, request: object, user: object, **kwargs: object) -> None:
            if request is not None:
                mark_authenticated(request)  # type: ignore[arg-type]

        user_logged_in.connect(remember, weak=False)

        from portal import login_throttle

        login_throttle.connect()  # unlock links for locked accounts; the login time for the absolute timeout

        from django.conf import settings

        if settings.METRICS_TOKEN:
            from portal import metrics

            metrics.connect()
