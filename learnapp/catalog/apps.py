from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "learnapp.catalog"
    verbose_name = "Catalog"
