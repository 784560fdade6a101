import os
DEBUG = True
settings = os.environ["DJANGO_SETTINGS_MODULE"]  # KeyError: no settings
