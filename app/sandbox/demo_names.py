"""The names of the demo dealership's connections (one DMS reached three ways, a CRM,
the website and the marketing platform)."""

DMS_STAR = "Demo DMS (STAR REST)"  # customers, deals: the STAR standard's REST APIs
DMS_CDK = "Demo DMS (CDK Fortellis)"  # repair orders: CDK's published APIs
DMS = "Demo DMS (generic REST)"  # leads, appointments, inventory: what no published API here
LEGACY_DMS = "Demo DMS (Fortellis)"  # what DMS was called before the demo spoke STAR and CDK
CRM = "Demo CRM"
WEBSITE = "Demo website feed receiver"
MARKETING = "Demo marketing platform"
RETAILING = "Demo digital retailing"  # the website's deal builder: deal jackets by webhook
