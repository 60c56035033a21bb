"""The names of the demo dealership's connections (one DMS reached three ways, a CRM,
the website, the marketing platform and the lead inbox)."""

DMS_STAR = "Demo DMS (STAR REST)"  # customers, deals: the STAR standard's REST APIs
DMS_CDK = "Demo DMS (CDK Fortellis)"  # repair orders: CDK's published APIs
DMS = "Demo DMS (generic REST)"  # leads, appointments, inventory: what no published API here
LEGACY_DMS = "Demo DMS (Fortellis)"  # what DMS was called before the demo spoke STAR and CDK
CRM = "Demo CRM"
WEBSITE = "Demo website feed receiver"
MARKETING = "Demo marketing platform"
LEAD_INBOX = "Demo lead inbox (ADF over IMAP)"  # the dealership mailbox lead sites e-mail
RETAILING = "Demo digital retailing"  # the website's deal builder: deal jackets by webhook
