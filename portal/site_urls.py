from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from portal import login_throttle, two_factor, views, views_inbox, views_people
from portal.forms.accounts import ChangePasswordForm, EmailAuthenticationForm, NewPasswordForm, ResetForm
from portal.links import query_params

app_name = "portal"

urlpatterns = [
    path("about/", views.about, name="about"),
    path(
        "accounts/login/",
        # The language switch keeps `next` (when it leads back into the portal; portal/links.py).
        query_params("next")(
            auth_views.LoginView.as_view(
                template_name="portal/login.html",
                authentication_form=EmailAuthenticationForm,
                redirect_authenticated_user=True,
            )
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/unlock/<str:token>/", login_throttle.unlock, name="account_unlock"),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="portal/password_reset_form.html",
            email_template_name="portal/email/password_reset.txt",
            subject_template_name="portal/email/password_reset_subject.txt",
            form_class=ResetForm,
            success_url=reverse_lazy("portal:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="portal/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        login_throttle.UnlockingPasswordResetConfirmView.as_view(
            template_name="portal/password_reset_confirm.html",
            form_class=NewPasswordForm,
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="portal/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/change/",
        views.PasswordChangeView.as_view(
            template_name="portal/password_change.html",
            form_class=ChangePasswordForm,
            success_url=reverse_lazy("portal:profile"),
        ),
        name="password_change",
    ),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/inbox/", views_inbox.inbox, name="inbox"),
    path("accounts/inbox/read-all/", views_inbox.mark_all_read, name="inbox_read_all"),
    path("accounts/inbox/<int:pk>/", views_inbox.open_notification, name="inbox_open"),
    path("accounts/inbox/<int:pk>/read/", views_inbox.mark_read, name="inbox_read"),
    path("accounts/two-factor/", two_factor.setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", query_params("next")(two_factor.verify), name="two_factor_verify"),
    path("accounts/two-factor/recovery-codes/", two_factor.recovery_codes, name="two_factor_recovery_codes"),
    path("accounts/two-factor/disable/", two_factor.disable, name="two_factor_disable"),
    path("accounts/reauthenticate/", query_params("next")(two_factor.reauthenticate), name="reauthenticate"),
    path("accounts/invitations/new/", views.invitation_create, name="invitation_create"),
    path("accounts/invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("accounts/invitations/<uuid:uuid>/", views_people.invitation_confirm, name="invitation_confirm"),
    path(
        "accounts/invitations/<uuid:uuid>/confirm/",
        views_people.invitation_confirm_post,
        name="invitation_confirm_post",
    ),
    path("accounts/invitations/<uuid:uuid>/cancel/", views_people.invitation_cancel, name="invitation_cancel"),
    path("accounts/organisations/", views_people.my_organisations, name="my_organisations"),
    path("accounts/organisations/<slug:slug>/leave/", views_people.organisation_leave, name="organisation_leave"),
    path("manage/people/", views_people.people_list, name="people_list"),
    path("manage/people/<uuid:uuid>/", views_people.person_detail, name="person_detail"),
    path("manage/people/<uuid:uuid>/deactivate/", views_people.person_deactivate, name="person_deactivate"),
    path("manage/people/<uuid:uuid>/reactivate/", views_people.person_reactivate, name="person_reactivate"),
    path("manage/organisations/", views_people.organisation_list, name="organisation_list"),
    path("manage/organisations/new/", views_people.organisation_create, name="organisation_create"),
    path("manage/organisations/<slug:slug>/", views_people.organisation_manage, name="organisation_manage"),
    path("manage/organisations/<slug:slug>/edit/", views_people.organisation_edit, name="organisation_edit"),
    path(
        "manage/organisations/<slug:slug>/people/<uuid:uuid>/role/",
        views_people.membership_role,
        name="membership_role",
    ),
    path(
        "manage/organisations/<slug:slug>/people/<uuid:uuid>/remove/",
        views_people.membership_remove,
        name="membership_remove",
    ),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
]
