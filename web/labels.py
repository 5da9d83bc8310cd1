"""What people read instead of codes: one English msgid per code the pages show (sectors,
kinds, materials, units, fates, checks, statuses, form fields), translated where shown."""

from __future__ import annotations

from matchmaker.i18n import N_

LABELS: dict[str, str] = {
    # sectors
    "food_bio": N_("Food and bio"), "construction": N_("Construction"), "textile_lifestyle": N_("Textile and lifestyle"),
    "environmental_tech": N_("Environmental technology"),
    # kinds of organisation
    "firm": N_("Firm"), "knowledge_institution": N_("Knowledge institution"), "cluster": N_("Cluster"),
    "business_hub": N_("Business hub"), "public_body": N_("Public body"),
    # directions, availability, confidentiality, languages
    "offer": N_("Offer"), "need": N_("Need"), "continuous": N_("Continuous"), "seasonal": N_("Seasonal"),
    "batch": N_("In batches"), "public": N_("Public"), "anonymised": N_("Anonymised"), "private": N_("Private"),
    "da": N_("Danish"), "en": N_("English"),
    # materials
    "food_organic": N_("Food and organic"), "wood": N_("Wood"), "textile": N_("Textile"), "plastic": N_("Plastic"),
    "paper_cardboard": N_("Paper and cardboard"), "glass": N_("Glass"), "metal": N_("Metal"),
    "concrete_mineral": N_("Concrete and minerals"), "gypsum": N_("Gypsum"), "batteries": N_("Batteries"),
    "electronics": N_("Electronics"), "chemicals_solvents": N_("Chemicals and solvents"), "oils_fats": N_("Oils and fats"),
    "sludge_manure": N_("Sludge and manure"), "water": N_("Water"), "heat_energy": N_("Heat and energy"),
    "ash_slag": N_("Ash and slag"), "other": N_("Other"),
    # units
    "t/yr": N_("t/yr"), "m3/yr": N_("m3/yr"), "MWh/yr": N_("MWh/yr"), "pieces/yr": N_("pieces/yr"),
    # current fate and the waste hierarchy
    "none": N_("Lost (nothing recovered)"), "landfill": N_("Landfill"), "incineration": N_("Incineration"),
    "energy_recovery": N_("Energy recovery"), "feed": N_("Animal feed"), "recycling": N_("Recycling"),
    "sold": N_("Sold as a by-product"), "reuse": N_("Reuse"),
    "disposal": N_("disposal"), "other recovery": N_("other recovery"), "preparing for re-use": N_("preparing for re-use"),
    "prevention": N_("prevention"),
    # eligibility and check statuses, chain kinds
    "pass": N_("pass"), "fail": N_("fail"), "unknown": N_("unknown"), "unchecked": N_("unchecked"), "warning": N_("warning"),  # rules.WARN
    "pair": N_("pair"), "path": N_("path"), "loop": N_("loop"), "hub": N_("hub"), "custom": N_("custom"),
    # programme checks
    "accounts_recent": N_("Recent annual accounts"), "aid_intensity": N_("Aid intensity"), "budget": N_("Budget"),
    "budget_window": N_("Budget window"), "circular_focus": N_("Circular focus"), "de_minimis": N_("De minimis aid"),
    "economic_capacity": N_("Economic capacity"), "economic_partners": N_("Economic partners"),
    "effect_quantified": N_("Effect quantified"), "grant_per_firm": N_("Grant per firm"), "grant_split": N_("Grant split"),
    "investment_budget": N_("Investment budget"), "investment_scores": N_("Investment scores"),
    "lead_sme": N_("Lead applicant is an SME"), "not_in_difficulty": N_("Not a firm in difficulty"),
    "production_equipment": N_("Production equipment"), "resource_flow": N_("Resource flow"),
    "resource_type": N_("Resource type"), "scores_valid": N_("Scores valid"), "sector_scope": N_("Sector scope"),
    "staff_capacity": N_("Staff capacity"), "within_period": N_("Within the programme period"),
    "no_primary_production": N_("No primary production"),
    # de minimis regulations, investment scores and evidence statuses named inside rule reasons
    "general": N_("General"), "agriculture": N_("Agriculture"), "fisheries": N_("Fisheries"),
    "commercial_investment": N_("Commercial investment"), "maturity": N_("Maturity"), "met": N_("met"),
    "missing": N_("missing"),
    # case tracks and decisions
    "collaboration": N_("collaboration"), "investment": N_("investment"), "granted": N_("granted"), "rejected": N_("rejected"),
    # match score components
    "semantic": N_("meaning"), "lexical": N_("words"), "taxonomy": N_("material class"), "distance": N_("distance"),
    "quantity": N_("amount"), "uplift": N_("waste hierarchy"),
    # introductions and roles
    "requested": N_("requested"), "introduced": N_("introduced"), "declined": N_("declined"), "in_chain": N_("in a chain"),
    "suggested": N_("suggested"), "admin": N_("administrator"), "facilitator": N_("facilitator"),
}

# Form fields: a label in the user's language and, for numbers, the unit shown beside the field.
FIELDS: dict[str, tuple[str, str]] = {
    "id": (N_("Id"), ""), "name": (N_("Name"), ""), "kind": (N_("Kind"), ""), "sector": (N_("Sector"), ""),
    "postcode": (N_("Postcode"), ""), "cvr": (N_("CVR number"), ""), "nace": (N_("NACE code"), ""),
    "employees": (N_("Employees"), N_("FTE")), "turnover_eur": (N_("Turnover"), "EUR"),
    "balance_sheet_eur": (N_("Balance sheet"), "EUR"), "founded_year": (N_("Founded (year)"), ""),
    "closed_financial_years": (N_("Closed financial years"), ""), "in_difficulty": (N_("Firm in difficulty"), ""),
    "primary_production": (N_("Primary producer"), ""), "de_minimis_eur": (N_("De minimis aid, last 3 years"), "EUR"),
    "de_minimis_regulation": (N_("De minimis regulation"), ""), "de_minimis_declared": (N_("De minimis declaration date"), ""),
    "last_accounts_year": (N_("Year of the last annual accounts"), ""), "equity_eur": (N_("Equity"), "EUR"),
    "group_employees": (N_("Employees in the group"), N_("FTE")), "group_turnover_eur": (N_("Turnover of the group"), "EUR"),
    "group_balance_sheet_eur": (N_("Balance sheet of the group"), "EUR"),
    "competences": (N_("Competences (separate with ;)"), ""), "profile": (N_("Profile"), ""),
    "contact_person": (N_("Contact person"), ""), "contact_email": (N_("Contact e-mail"), ""),
    "contact_phone": (N_("Contact phone"), ""),
    "invented": (N_("Invented for the demo"), ""),
    "org_id": (N_("Organisation"), ""), "direction": (N_("Direction"), ""), "title": (N_("Title"), ""),
    "description": (N_("Description"), ""), "language": (N_("Language"), ""), "material": (N_("Material"), ""),
    "ewc": (N_("EWC code"), ""), "quantity": (N_("Quantity a year"), ""), "unit": (N_("Unit"), ""),
    "availability": (N_("Availability"), ""), "months": (N_("Months (1-12, separate with ;)"), ""),
    "interval_days": (N_("Days between batches"), N_("days")),
    "price_dkk_per_unit": (N_("Price per unit"), "DKK"), "treatment_cost_dkk_per_unit": (N_("Treatment cost per unit"), "DKK"),
    "fate": (N_("Current fate"), ""), "confidentiality": (N_("Who may see it"), ""),
    "hierarchy_level": (N_("Waste hierarchy level"), ""),
}
