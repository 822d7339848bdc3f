"""Write services of the funding app (HackSoft styleguide): grants, activities, expenditures,
checks. Each function is keyword-only, validates, raises portal.exceptions.ApplicationError and
writes the audit trail."""
