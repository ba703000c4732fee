from django.urls import path

from monitoring.views import public

app_name = "monitoring"

urlpatterns = [
    path("plans/", public.plan_list, name="plan_list"),
    path("plans/<slug:plan_slug>/", public.plan_detail, name="plan_detail"),
    path("plans/<slug:plan_slug>/indicators/<str:code>/", public.indicator_detail, name="indicator_detail"),
    path("institutions/", public.institution_list, name="institution_list"),
    path("institutions/<str:code>/", public.institution_detail, name="institution_detail"),
]
