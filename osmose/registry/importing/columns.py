"""The fields an import can fill, and the column names recognised for each (French, English)."""

from osmose.core.text import fold

PEOPLE_FIELDS = [
    "external_id", "given_name", "family_name", "email", "phone", "job_title", "organisation",
    "street", "postcode", "city", "country",
]  # fmt: skip
ORGANISATION_FIELDS = [
    "external_id", "name", "acronym", "kind", "sector", "scope", "status", "siren", "siret", "rnsr",
    "ror", "vat_number", "naf_code", "website", "street", "postcode", "city", "headcount",
    "founded_on", "is_jei", "description_fr", "description_en", "tags",
]  # fmt: skip
FIELDS = {"people": PEOPLE_FIELDS, "organisations": ORGANISATION_FIELDS}
REQUIRED = {"people": ["family_name"], "organisations": ["name"]}

ALIASES: dict[str, list[str]] = {
    "external_id": ["external id", "id", "identifiant", "ref", "reference", "rec id", "uid"],
    "given_name": ["prenom", "first name", "firstname", "given name", "forename"],
    "family_name": ["nom", "nom de famille", "last name", "lastname", "surname", "family name"],
    "email": ["e mail", "mail", "courriel", "adresse e mail", "email address"],
    "phone": ["telephone", "tel", "phone number", "mobile", "portable"],
    "job_title": ["fonction", "poste", "titre", "job title", "title", "position"],
    "organisation": [
        "organisation",
        "organization",
        "societe",
        "entreprise",
        "structure",
        "company",
        "etablissement",
        "employeur",
    ],
    "street": ["adresse", "address", "rue", "street", "adresse 1"],
    "postcode": ["code postal", "cp", "postcode", "zip", "zip code", "postal code"],
    "city": ["ville", "commune", "city", "town", "localite", "suburb"],
    "country": ["pays", "country"],
    "name": [
        "nom",
        "raison sociale",
        "denomination",
        "name",
        "organisation",
        "organization",
        "societe",
        "entreprise",
        "structure",
    ],
    "acronym": ["sigle", "acronyme", "acronym"],
    "kind": ["type", "kind", "categorie"],
    "sector": ["secteur", "sector", "statut juridique"],
    "scope": ["perimetre", "scope"],
    "status": ["statut", "etat", "status", "etat administratif"],
    "siren": ["siren", "n siren", "numero siren"],
    "siret": ["siret", "n siret", "numero siret"],
    "rnsr": ["rnsr", "numero rnsr", "numero national de structure"],
    "ror": ["ror", "ror id"],
    "vat_number": ["tva", "n tva", "tva intracommunautaire", "vat", "vat number"],
    "naf_code": ["naf", "code naf", "ape", "code ape"],
    "website": ["site", "site web", "site internet", "website", "web", "url"],
    "headcount": ["effectif", "tranche effectif", "headcount", "employees"],
    "founded_on": ["date de creation", "creation", "founded", "founding date"],
    "is_jei": ["jei", "jeune entreprise innovante"],
    "description_fr": ["description", "description fr", "activite", "presentation"],
    "description_en": ["description en", "english description"],
    "tags": ["tags", "etiquettes", "mots cles", "keywords"],
}


def guess_mapping(target: str, columns: list[str]) -> dict[str, str]:
    """{field: column} for the columns whose names say which field they hold."""
    mapping: dict[str, str] = {}
    folded = {column: fold(column) for column in columns}
    for field in FIELDS[target]:
        names = {fold(field.replace("_", " ")), *ALIASES.get(field, [])}
        for column, key in folded.items():
            if key in names and column not in mapping.values():
                mapping[field] = column
                break
    return mapping
