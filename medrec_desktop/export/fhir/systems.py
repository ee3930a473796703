"""The code systems, profiles and extensions the export names, in one place.

Code-system URIs are those of HL7's terminology (and of the US Core examples, copied in
tests/data/fhir/us-core). What has no standard home (our own encounter and document types,
a document's SHA-256) is named under ``LOCAL``: the ``.invalid`` top-level domain (RFC 2606)
says plainly that these are this application's names, not resolvable definitions.
"""

from __future__ import annotations

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
CVX = "http://hl7.org/fhir/sid/cvx"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier types (MR, MB)
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"  # diagnostic service sections
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
REFERENCE_RANGE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
DOCUMENT_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
BCP47 = "urn:ietf:bcp:47"

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
BIRTH_SEX = US_CORE + "us-core-birthsex"
RACE = US_CORE + "us-core-race"
ETHNICITY = US_CORE + "us-core-ethnicity"

#: this application's own names (see the module's docstring)
LOCAL = "http://medrec-desktop.invalid/fhir/"
LOCAL_CODES = LOCAL + "CodeSystem/"
LOCAL_EXTENSION = LOCAL + "StructureDefinition/"
#: a file's SHA-256 (hex), beside FHIR's ``Attachment.hash`` which is SHA-1 by definition
SHA256_EXTENSION = LOCAL_EXTENSION + "attachment-sha256"
#: the item kind a resource was made from, where one FHIR type holds several of ours
ITEM_KIND = LOCAL_CODES + "item-kind"
#: an item's status in the clinic's record (active, inactive, resolved)
ITEM_STATUS = LOCAL_CODES + "item-status"
ENCOUNTER_TYPE = LOCAL_CODES + "encounter-type"
DOCUMENT_TYPE = LOCAL_CODES + "document-type"
SOCIAL_HISTORY_FIELD = LOCAL_CODES + "social-history"


def profile(name: str) -> dict[str, list[str]]:
    """``meta`` claiming a US Core profile (only where the resource meets its must-haves)."""
    return {"profile": [US_CORE + name]}
