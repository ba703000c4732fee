from rest_framework.routers import DefaultRouter

from monitoring.api import views

router = DefaultRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("reports", views.ReportViewSet, basename="report")
router.register("report-versions", views.ReportVersionViewSet, basename="report-version")

urlpatterns = router.urls
