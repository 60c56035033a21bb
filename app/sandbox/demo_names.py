"""The names of the demo dealership's connections: one DMS reached three ways, one CRM
reached two ways (Elead, and the generic REST kind for what Elead's API cannot carry), the
website, the marketing platform (Klaviyo) and the lead inbox."""

DMS_STAR = "Demo DMS (STAR REST)"  # customers, deals: the STAR standard's REST APIs
DMS_CDK = "Demo DMS (CDK Fortellis)"  # repair orders: CDK's published APIs
DMS = "Demo DMS (generic REST)"  # leads, appointments, inventory: what no published API here
LEGACY_DMS = "Demo DMS (Fortellis)"  # what DMS was called before the demo spoke STAR and CDK
CRM_ELEAD = "Demo CRM (Elead)"  # customers and opportunities: Elead's published APIs
CRM = "Demo CRM"  # service activities, deal status, appointments: what Elead cannot carry
WEBSITE = "Demo website feed receiver"
MARKETING = "Demo marketing (Klaviyo)"  # profiles and consent: Klaviyo's API
LEGACY_MARKETING = "Demo marketing platform"  # a connection test only, before Klaviyo
LEAD_INBOX = "Demo lead inbox (ADF over IMAP)"  # the dealership mailbox lead sites e-mail
RETAILING = "Demo digital retailing"  # the website's deal builder: deal jackets by webhook
