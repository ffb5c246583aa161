#!/usr/bin/env python3
"""Writes server/src/main/resources/demo/demo-practice.json, the demo practice as a FHIR transaction.

Deterministic: a fixed seed and fixed lists, so the same script always writes the same file.
Session times are written for the weeks around the anchor Monday 2026-01-05 in America/New_York;
the server's DemoPracticeLoader moves them to the weeks around the day it loads them, keeping the
local wall-clock time. Every resource has a fixed id made of its business identifier (Group
group-dbt-monday) and is written with PUT, so loading the bundle twice creates nothing new, a
newer version of the demo updates an older one in place, and the README can name real ids.

Run from the repository root:  python3 tools/demo/generate_demo_practice.py
"""
import json
import random
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

BASE = "http://grouptherapy.example.org/fhir"
ID_SYSTEM = "http://grouptherapy.example.org/identifiers"
NPI = "http://hl7.org/fhir/sid/us-npi"
ANCHOR_MONDAY = date(2026, 1, 5)
EST = timezone(timedelta(hours=-5))  # New York in January; the loader recomputes per zone rules
NAMESPACE = uuid.UUID("6f1c1a7e-2f7b-4c1e-9d35-0b8f0c1d2e3f")
rng = random.Random(20260105)

entries = []


def urn(kind, key):
    return "urn:uuid:" + str(uuid.uuid5(NAMESPACE, f"{kind}/{key}"))


def demo_id(identifier_value):
    """The resource id of a demo resource: its business identifier, as FHIR ids may be written."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", identifier_value)[:64]


def add(resource, key, identifier_value):
    kind = resource["resourceType"]
    resource.setdefault("identifier", []).insert(
        0, {"system": f"{ID_SYSTEM}/{kind.lower()}", "value": identifier_value}
    )
    resource["id"] = demo_id(identifier_value)
    full_url = urn(kind, key)
    entries.append(
        {
            "fullUrl": full_url,
            "resource": resource,
            "request": {"method": "PUT", "url": f"{kind}/{resource['id']}"},
        }
    )
    return full_url


def npi(prefix9):
    """A valid NPI: nine digits and the Luhn check digit over 80840 + those digits."""
    digits = [int(d) for d in "80840" + prefix9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix9 + str((10 - total % 10) % 10)


# --- Practice, payers, sites, rooms -------------------------------------------------------------
practice = add(
    {
        "resourceType": "Organization",
        "active": True,
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov"}]}],
        "name": "Riverbend Group Therapy Collective",
        "identifier": [{"system": NPI, "value": npi("154829301")},
                       {"system": "urn:oid:2.16.840.1.113883.4.4", "value": "043812345"}],
        "telecom": [
            {"system": "phone", "value": "+1-617-555-0142", "use": "work"},
            {"system": "email", "value": "frontdesk@riverbend-groups.example.org", "use": "work"},
        ],
        "address": [{"line": ["210 Harbor Street", "Suite 4"], "city": "Boston", "state": "MA", "postalCode": "02110-1204", "country": "US"}],
    },
    "practice",
    "riverbend",
)

payers = {}
for key, name, payer_id in [
    ("harborline", "Harborline Health Plan", "HRB01"),
    ("commonwealth-medicaid", "Commonwealth Medicaid", "MCD25"),
    ("bayview", "Bayview Mutual Insurance", "BVM77"),
]:
    payers[key] = add(
        {
            "resourceType": "Organization",
            "active": True,
            "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "pay"}]}],
            "name": name,
            "identifier": [{"system": f"{ID_SYSTEM}/payer-id", "value": payer_id}],
        },
        f"payer/{key}",
        f"payer-{key}",
    )

sites = {}
for key, name, line in [("harbor", "Harbor Street", "210 Harbor Street"), ("elm-park", "Elm Park", "55 Elm Park Avenue")]:
    sites[key] = add(
        {
            "resourceType": "Location",
            "status": "active",
            "mode": "instance",
            "name": f"Riverbend {name}",
            "physicalType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/location-physical-type", "code": "si", "display": "Site"}]},
            "address": {"line": [line], "city": "Boston", "state": "MA", "postalCode": "02110", "country": "US"},
            "managingOrganization": {"reference": practice},
            "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/timezone", "valueCode": "America/New_York"}],
        },
        f"site/{key}",
        f"site-{key}",
    )

rooms = {}
for key, name, site, seats, features in [
    ("willow", "Willow Room", "harbor", 12, ["accessible", "whiteboard"]),
    ("cedar", "Cedar Room", "harbor", 10, ["whiteboard"]),
    ("maple", "Maple Room", "elm-park", 16, ["accessible", "whiteboard", "family-seating"]),
    ("birch", "Birch Room", "elm-park", 8, ["accessible"]),
]:
    rooms[key] = add(
        {
            "resourceType": "Location",
            "status": "active",
            "mode": "instance",
            "name": name,
            "description": f"Group room, {seats} seats; " + ", ".join(features),
            "physicalType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/location-physical-type", "code": "ro", "display": "Room"}]},
            "partOf": {"reference": sites[site]},
            "managingOrganization": {"reference": practice},
            "meta": {"profile": [f"{BASE}/StructureDefinition/group-room"]},
            "extension": [{"url": f"{BASE}/StructureDefinition/location-capacity", "valuePositiveInt": seats}]
            + [{"url": f"{BASE}/StructureDefinition/location-feature", "valueCode": f} for f in features],
        },
        f"room/{key}",
        f"room-{key}",
    )
rooms["telehealth"] = add(
    {
        "resourceType": "Location",
        "status": "active",
        "mode": "kind",
        "name": "Riverbend Telehealth",
        "description": "Virtual group room on the practice's HIPAA-compliant video platform",
        "physicalType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/location-physical-type", "code": "vi", "display": "Virtual"}]},
        "telecom": [{"system": "url", "value": "https://video.riverbend-groups.example.org"}],
        "managingOrganization": {"reference": practice},
    },
    "room/telehealth",
    "room-telehealth",
)

# --- Therapists -----------------------------------------------------------------------------------
therapists = {}
roles = {}
MODALITY_OF = {"DBT": "dbt-skills", "CBT": "cbt", "Process groups": "process", "Interpersonal": "interpersonal",
               "Psychoeducation": "psychoeducation", "Support groups": "support", "Multi-family groups": "multi-family",
               "Mindfulness": "mindfulness", "Trauma": "trauma-recovery", "Substance use": "relapse-prevention"}
for i, (key, given, family, gender, credential, specialties, site, hours) in enumerate(
    [
        ("okafor", "Adaeze", "Okafor", "female", "PhD", ["DBT", "CBT"], "harbor", 32),
        ("lindqvist", "Erik", "Lindqvist", "male", "LICSW", ["Process groups", "Interpersonal"], "harbor", 36),
        ("ramirez", "Sofia", "Ramirez", "female", "PsyD", ["Anxiety", "CBT", "Psychoeducation"], "harbor", 28),
        ("chen", "Wei", "Chen", "male", "LMHC", ["Grief", "Support groups"], "elm-park", 24),
        ("abernathy", "Ruth", "Abernathy", "female", "LMFT", ["Family therapy", "Multi-family groups"], "elm-park", 30),
        ("haddad", "Karim", "Haddad", "male", "LICSW", ["DBT", "Substance use"], "elm-park", 36),
        ("nakamura", "Emi", "Nakamura", "female", "LMHC", ["Mindfulness", "Depression", "CBT"], "harbor", 20),
        ("osei", "Kwame", "Osei", "male", "PhD", ["Trauma", "Process groups", "Supervision"], "elm-park", 16),
    ]
):
    therapists[key] = add(
        {
            "resourceType": "Practitioner",
            "active": True,
            "identifier": [{"system": NPI, "value": npi(f"1{i + 1:02d}4{i * 7 + 11:05d}")}],
            "name": [{"use": "official", "family": family, "given": [given], "suffix": [credential]}],
            "gender": gender,
            "telecom": [{"system": "email", "value": f"{given.lower()}.{family.lower()}@riverbend-groups.example.org", "use": "work"}],
            "qualification": [{"code": {"text": credential}}],
        },
        f"practitioner/{key}",
        f"practitioner-{key}",
    )
    roles[key] = add(
        {
            "resourceType": "PractitionerRole",
            "active": True,
            "practitioner": {"reference": therapists[key]},
            "organization": {"reference": practice},
            "code": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "101YP2500X", "display": "Professional Counselor"}], "text": "Group therapist"}],
            "specialty": [
                ({"coding": [{"system": f"{BASE}/CodeSystem/group-modality", "code": MODALITY_OF[s]}], "text": s} if s in MODALITY_OF else {"text": s})
                for s in specialties
            ],
            "location": [{"reference": sites[site]}, {"reference": rooms["telehealth"]}],
            "availabilityExceptions": f"Works up to {hours} hours a week",
            "extension": [{"url": f"{BASE}/StructureDefinition/weekly-hours-limit", "valueDecimal": hours}],
        },
        f"role/{key}",
        f"role-{key}",
    )
# --- Patients and coverage ------------------------------------------------------------------------
given_f = ["Maya", "Olivia", "Priya", "Grace", "Hannah", "Leah", "Nora", "Isabel", "Chloe", "Amara", "Zoe", "Elena", "Fatima", "Rosa", "June", "Tessa", "Aisha", "Claire", "Mei", "Dana"]
given_m = ["Liam", "Noah", "Mateo", "Ethan", "Samuel", "Omar", "Lucas", "Jonah", "Theo", "Daniel", "Marcus", "Ravi", "Felix", "Andre", "Caleb", "Tomas", "Isaac", "Jamal", "Owen", "Diego"]
families = ["Alvarez", "Brennan", "Castillo", "Delgado", "Eriksen", "Fitzgerald", "Gallagher", "Hoffman", "Ibrahim", "Jablonski", "Kowalski", "Larkin", "Moreau", "Novak", "O'Brien", "Patel", "Quinlan", "Rossi", "Sullivan", "Tran", "Underwood", "Vasquez", "Whitaker", "Yilmaz", "Zhou"]
streets = ["Beacon St", "Tremont St", "Dorchester Ave", "Centre St", "Washington St", "Columbus Ave", "Hyde Park Ave", "Blue Hill Ave"]
cities = ["Boston", "Cambridge", "Somerville", "Quincy", "Brookline", "Medford"]

patients = []
for n in range(40):
    gender = "female" if n % 2 == 0 else "male"
    given = (given_f if gender == "female" else given_m)[n // 2]
    family = families[(n * 7) % len(families)]
    adolescent = n in (30, 31, 32, 33, 34, 35)
    year = rng.randint(2009, 2011) if adolescent else rng.randint(1958, 2003)
    birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
    mrn = f"RB{100200 + n * 17}"
    payer = ["harborline", "commonwealth-medicaid", "bayview"][n % 3]
    patient = add(
        {
            "resourceType": "Patient",
            "active": True,
            "identifier": [{"system": f"{ID_SYSTEM}/mrn", "value": mrn, "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}}],
            "name": [{"use": "official", "family": family, "given": [given]}],
            "gender": gender,
            "birthDate": birth.isoformat(),
            "telecom": [
                {"system": "phone", "value": f"+1-617-555-{1000 + n * 37:04d}", "use": "mobile"},
                {"system": "email", "value": f"{given.lower()}.{family.lower().replace(chr(39), '')}{n}@mail.example.org", "use": "home"},
            ],
            "address": [{"line": [f"{rng.randint(3, 990)} {rng.choice(streets)}"], "city": rng.choice(cities), "state": "MA", "postalCode": f"02{rng.randint(101, 199)}", "country": "US"}],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en-US"}]}, "preferred": True}],
            "managingOrganization": {"reference": practice},
        },
        f"patient/{n}",
        f"patient-{mrn}",
    )
    add(
        {
            "resourceType": "Coverage",
            "status": "active",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIP" if payer != "commonwealth-medicaid" else "SUBSIDIZ", "display": "health insurance plan policy" if payer != "commonwealth-medicaid" else "subsidized health program"}]},
            "subscriberId": f"{payer[:3].upper()}{770000 + n * 131}",
            "beneficiary": {"reference": patient},
            "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self"}]},
            "period": {"start": "2025-01-01"},
            "payor": [{"reference": payers[payer]}],
            "class": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group"}]}, "value": f"GRP-{payer[:3].upper()}-01"}],
        },
        f"coverage/{n}",
        f"coverage-{mrn}",
    )
    patients.append(patient)

# --- Groups and their sessions --------------------------------------------------------------------
GROUPS = [
    # key, name, modality, enrolment, min, max, members, facilitators, room, weekday, hh:mm, minutes
    ("dbt-monday", "DBT Skills — Monday Evening", "dbt-skills", "closed", 6, 10, range(0, 9), ["okafor", "haddad"], "willow", 0, "18:00", 90),
    ("process-tuesday", "Interpersonal Process Group", "process", "open", 5, 9, range(9, 16), ["lindqvist"], "cedar", 1, "17:30", 90),
    ("anxiety-psychoed", "Anxiety Psychoeducation (virtual)", "psychoeducation", "closed", 6, 12, range(16, 24), ["ramirez"], "telehealth", 2, "12:00", 60),
    ("grief-support", "Grief and Loss Support Group", "support", "open", 4, 6, range(24, 30), ["chen"], "birch", 3, "18:30", 75),
    ("multi-family", "Adolescent Multi-Family Group", "multi-family", "closed", 4, 6, range(30, 36), ["abernathy", "osei"], "maple", 5, "10:00", 90),
    ("cbt-depression", "CBT for Depression (virtual)", "cbt", "open", 5, 10, range(36, 40), ["nakamura"], "telehealth", 4, "16:00", 90),
]

# Placement: clinical focus (ICD-10-CM categories), age ranges, acuity limits.
FOCUS = {"dbt-monday": ["F60.3", "F33"], "process-tuesday": ["F33", "F41", "F43"], "anxiety-psychoed": ["F41"],
         "grief-support": ["F43.2", "Z63.4"], "multi-family": ["F91", "F32", "F41"], "cbt-depression": ["F32", "F33"]}
AGES = {"dbt-monday": (18, 65), "process-tuesday": (21, 75), "anxiety-psychoed": (18, 80),
        "grief-support": (18, 90), "multi-family": (12, 17), "cbt-depression": (18, 80)}
ACUITY = {"process-tuesday": 3, "dbt-monday": 4}

BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PREP, DOCS = 15, 20
CALENDAR = "http://grouptherapy.example.org/identifiers/calendar"
SERIES = "http://grouptherapy.example.org/identifiers/series"
BLOCK_TYPES = f"{BASE}/CodeSystem/calendar-block-type"
BLOCK_NAMES = {"working-hours": "Working hours", "pto": "Paid time off", "supervision": "Supervision",
               "team-meeting": "Team meeting", "individual-therapy": "Individual therapy",
               "prep": "Session preparation", "documentation": "Documentation"}


def at(week, weekday, hhmm):
    day = ANCHOR_MONDAY + timedelta(weeks=week, days=weekday)
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=EST)


# One calendar (Schedule) per therapist, and shared ones for meetings several people attend.
schedules = {}
for key in therapists:
    schedules[key] = add(
        {"resourceType": "Schedule", "active": True, "actor": [{"reference": therapists[key]}],
         "comment": f"Calendar of {key}",
         "identifier": [{"system": CALENDAR, "value": f"demo-{key}"}]},
        f"schedule/{key}", f"schedule-{key}")
schedules["team"] = add(
    {"resourceType": "Schedule", "active": True, "actor": [{"reference": therapists[k]} for k in therapists],
     "comment": "Weekly team meeting of all therapists"},
    "schedule/team", "schedule-team")
schedules["supervision"] = add(
    {"resourceType": "Schedule", "active": True,
     "actor": [{"reference": therapists["osei"]}, {"reference": therapists["chen"]}, {"reference": therapists["nakamura"]}],
     "comment": "Group supervision: Dr Osei with Wei Chen and Emi Nakamura"},
    "schedule/supervision", "schedule-supervision")


def block(schedule, kind, start, end, key, status="busy", block_for=None, comment=None):
    slot = {
        "resourceType": "Slot",
        "meta": {"profile": [f"{BASE}/StructureDefinition/calendar-block"]},
        "schedule": {"reference": schedules[schedule]},
        "status": status,
        "serviceType": [{"coding": [{"system": BLOCK_TYPES, "code": kind, "display": BLOCK_NAMES[kind]}]}],
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    if block_for:
        slot["extension"] = [{"url": f"{BASE}/StructureDefinition/block-for", "valueReference": {"reference": block_for}}]
    if comment:
        slot["comment"] = comment
    return add(slot, f"slot/{key}", f"slot-{key}")


# The open process group has run for ten weeks before the anchor week (the others' history starts
# two weeks before it), so the retention report at session 8 has members to count.
HISTORY = {"process-tuesday": -10}
# One member left the grief group last week: its seat is open, and $place-waitlist can fill it
# from the two people waiting.
LEFT = {29: ANCHOR_MONDAY - timedelta(days=4)}


def membership(m):
    member = {"entity": {"reference": patients[m]}, "period": {"start": (ANCHOR_MONDAY - timedelta(weeks=6 + (m % 4))).isoformat()}, "inactive": False}
    if m in LEFT:
        member["period"]["end"] = LEFT[m].isoformat()
    return member


group_refs = {}
session_refs = {}
for key, name, modality, enrolment, cap_min, cap_max, members, facilitators, room, weekday, hhmm, minutes in GROUPS:
    virtual = room == "telehealth"
    join = f"https://video.riverbend-groups.example.org/g/{key}"
    extensions = [
        {"url": f"{BASE}/StructureDefinition/group-capacity", "extension": [{"url": "minimum", "valuePositiveInt": cap_min}, {"url": "maximum", "valuePositiveInt": cap_max}]},
        {"url": f"{BASE}/StructureDefinition/group-enrolment-mode", "valueCode": enrolment},
        {"url": f"{BASE}/StructureDefinition/group-status", "valueCode": "running"},
        {"url": f"{BASE}/StructureDefinition/group-timezone", "valueCode": "America/New_York"},
        {"url": f"{BASE}/StructureDefinition/group-cadence", "valueString": f"FREQ=WEEKLY;BYDAY={BYDAY[weekday]}"},
        {"url": f"{BASE}/StructureDefinition/group-location", "valueReference": {"reference": rooms[room]}},
    ]
    if virtual:
        extensions.append({"url": f"{BASE}/StructureDefinition/group-join-url", "valueUrl": join})
    for code in FOCUS[key]:
        extensions.append({"url": f"{BASE}/StructureDefinition/group-clinical-focus", "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}})
    low, high = AGES[key]
    extensions.append({"url": f"{BASE}/StructureDefinition/group-age-range", "valueRange": {"low": {"value": low, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}, "high": {"value": high, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}}})
    if enrolment == "closed":
        extensions.append({"url": f"{BASE}/StructureDefinition/group-cohort-start", "valueDate": (ANCHOR_MONDAY + timedelta(weeks=4 + weekday)).isoformat()})
    if key in ACUITY:
        extensions.append({"url": f"{BASE}/StructureDefinition/group-acuity-limit", "valuePositiveInt": ACUITY[key]})
    for i, f in enumerate(facilitators):
        extensions.append({"url": f"{BASE}/StructureDefinition/group-facilitator", "extension": [
            {"url": "practitioner", "valueReference": {"reference": therapists[f]}},
            {"url": "role", "valueCode": "primary" if i == 0 else "co"}]})
    extensions.append({"url": f"{BASE}/StructureDefinition/group-session-blocks", "extension": [
        {"url": "prepMinutes", "valueUnsignedInt": PREP}, {"url": "documentationMinutes", "valueUnsignedInt": DOCS}]})
    group = add(
        {
            "resourceType": "Group",
            "meta": {"profile": [f"{BASE}/StructureDefinition/therapy-group"]},
            "extension": extensions,
            "active": True,
            "type": "person",
            "actual": True,
            "code": {"coding": [{"system": f"{BASE}/CodeSystem/group-modality", "code": modality}], "text": name},
            "name": name,
            "quantity": len([m for m in members if m not in LEFT]),
            "managingEntity": {"reference": practice},
            "member": [membership(m) for m in members],
        },
        f"group/{key}",
        f"group-{key}",
    )
    group_refs[key] = group
    for week in range(HISTORY.get(key, -2), 3):
        start = at(week, weekday, hhmm)
        end = start + timedelta(minutes=minutes)
        session_number = week + 11
        participants = [
            {"actor": {"reference": therapists[f]}, "required": "required", "status": "accepted",
             "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PPRF" if i == 0 else "SPRF", "display": "primary performer" if i == 0 else "secondary performer"}]}]}
            for i, f in enumerate(facilitators)
        ]
        participants.append({"actor": {"reference": rooms[room]}, "required": "required", "status": "accepted"})
        participants += [
            {"actor": {"reference": patients[m]}, "required": "required", "status": "accepted",
             "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "SBJ", "display": "subject"}]}]}
            for m in members if m not in LEFT or start.date() <= LEFT[m]
        ]
        appointment = {
            "resourceType": "Appointment",
            "meta": {"profile": [f"{BASE}/StructureDefinition/group-session"]},
            "identifier": [{"system": SERIES, "value": f"demo-{key}"}],
            "extension": [{"url": f"{BASE}/StructureDefinition/session-number", "valuePositiveInt": session_number}],
            "status": "booked",
            "serviceType": [{"coding": [{"system": f"{BASE}/CodeSystem/group-modality", "code": modality}], "text": name}],
            "appointmentType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "FOLLOWUP"}]},
            "description": f"{name}, session {session_number}",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "minutesDuration": minutes,
            "supportingInformation": [{"reference": group}],
            "participant": participants,
        }
        if virtual:
            appointment["extension"].append({"url": f"{BASE}/StructureDefinition/session-join-url", "valueUrl": join})
        ref = add(appointment, f"session/{key}/{week}", f"session-{key}-{session_number}")
        session_refs[(key, week)] = ref
        for f in facilitators:
            block(f, "prep", start - timedelta(minutes=PREP), start, f"prep/{key}/{week}/{f}", block_for=ref,
                  comment=f"Session preparation: {name}, session {session_number}")
            block(f, "documentation", end, end + timedelta(minutes=DOCS), f"docs/{key}/{week}/{f}", block_for=ref,
                  comment=f"Documentation: {name}, session {session_number}")

# --- Diagnoses: each member's active Condition (ICD-10-CM) from their group's focus -----------------
# Patient 38 has none on file: reconcile reports the missing diagnosis and holds their claims back.
DIAGNOSIS = {"F60.3": ("F60.3", "Borderline personality disorder"), "F33": ("F33.1", "Major depressive disorder, recurrent, moderate"),
             "F41": ("F41.1", "Generalized anxiety disorder"), "F43.2": ("F43.21", "Adjustment disorder with depressed mood"),
             "F91": ("F91.3", "Oppositional defiant disorder"), "F32": ("F32.1", "Major depressive disorder, single episode, moderate")}
for key, name, modality, enrolment, cap_min, cap_max, members, facilitators, room, weekday, hhmm, minutes in GROUPS:
    for m in members:
        if m == 38:
            continue
        code, display = DIAGNOSIS[FOCUS[key][0]]
        add({"resourceType": "Condition",
             "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
             "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
             "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis"}]}],
             "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code, "display": display}]},
             "subject": {"reference": patients[m]}, "recordedDate": (ANCHOR_MONDAY - timedelta(weeks=10)).isoformat()},
            f"condition/{m}", f"condition-{m}")

# --- Working hours, meetings, supervision, individual work, PTO ----------------------------------
WORKDAYS = {"okafor": (0, 1, 2, 3), "lindqvist": (0, 1, 2, 3, 4), "ramirez": (0, 1, 2, 3), "chen": (1, 2, 3),
            "abernathy": (1, 3, 4, 5), "haddad": (0, 1, 2, 3, 4), "nakamura": (0, 2, 4), "osei": (0, 2, 5)}
for key, days in WORKDAYS.items():
    for week in range(-2, 3):
        for d in days:
            late = d in (0, 1, 3) and key in ("okafor", "haddad", "lindqvist", "chen")
            start = at(week, d, "12:00" if late else "09:00")
            end = at(week, d, "20:30" if late else "17:30")
            if d == 5:
                start, end = at(week, d, "09:00"), at(week, d, "13:00")
            block(key, "working-hours", start, end, f"hours/{key}/{week}/{d}", status="free")
for week in range(-2, 3):
    block("team", "team-meeting", at(week, 0, "09:00"), at(week, 0, "10:00"), f"team/{week}",
          comment="Weekly team meeting: referrals, waitlist, clinical updates")
    block("supervision", "supervision", at(week, 2, "14:00"), at(week, 2, "15:00"), f"supervision/{week}",
          comment="Group supervision")
    block("lindqvist", "individual-therapy", at(week, 1, "13:00"), at(week, 1, "16:00"), f"individual/lindqvist/{week}")
    block("okafor", "individual-therapy", at(week, 2, "10:00"), at(week, 2, "12:00"), f"individual/okafor/{week}")
block("nakamura", "pto", at(1, 1, "00:00"), at(1, 2, "00:00"), "pto/nakamura", status="busy-unavailable",
      comment="Vacation day")
block("ramirez", "pto", at(2, 3, "00:00"), at(2, 5, "00:00"), "pto/ramirez", status="busy-unavailable",
      comment="Conference")

# --- Group consents: every member signed treatment and confidentiality (and telehealth if virtual) --
VIRTUAL_MEMBERS = set(range(16, 24)) | set(range(36, 40))
CONSENT_NAMES = {"group-treatment": "Group treatment consent", "group-confidentiality": "Group confidentiality agreement", "telehealth": "Telehealth consent"}
for m in range(40):
    kinds = ["group-treatment", "group-confidentiality"] + (["telehealth"] if m in VIRTUAL_MEMBERS else [])
    signed = (ANCHOR_MONDAY - timedelta(weeks=7 + (m % 4))).isoformat()
    for kind in kinds:
        add(
            {
                "resourceType": "Consent",
                "status": "active",
                "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
                "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]},
                             {"coding": [{"system": f"{BASE}/CodeSystem/consent-kind", "code": kind, "display": CONSENT_NAMES[kind]}]}],
                "patient": {"reference": patients[m]},
                "dateTime": signed + "T10:00:00-05:00",
                "organization": [{"reference": practice}],
                "policy": [{"uri": f"https://riverbend-groups.example.org/policies/{kind}"}],
                "sourceAttachment": {"contentType": "application/pdf", "title": f"{CONSENT_NAMES[kind]} (signed {signed})", "url": f"https://riverbend-groups.example.org/forms/{kind}/{m}.pdf"},
                "provision": {"period": {"start": signed, "end": (ANCHOR_MONDAY + timedelta(weeks=52)).isoformat()}},
            },
            f"consent/{m}/{kind}",
            f"consent-{m}-{kind}",
        )

# --- The full grief group's waitlist: two people wait for a seat ------------------------------------
add(
    {
        "resourceType": "List",
        "status": "current",
        "mode": "working",
        "title": "Waitlist: Grief and Loss Support Group",
        "code": {"coding": [{"system": f"{BASE}/CodeSystem/intake-codes", "code": "waitlist"}]},
        "subject": {"reference": group_refs["grief-support"]},
        "orderedBy": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-order", "code": "entry-date"}]},
        "entry": [{"item": {"reference": patients[m]}, "date": (ANCHOR_MONDAY - timedelta(days=10 - m % 5)).isoformat()} for m in (9, 12)],
    },
    "list/waitlist-grief",
    "waitlist-grief-support",
)

# --- Pending member change requests -------------------------------------------------------------
for n, (group_key, week, member, text) in enumerate([
    ("process-tuesday", 1, 10, "Member asks to skip next week's session (work travel)"),
    ("dbt-monday", 2, 3, "Member asks for a make-up session in a parallel DBT group"),
]):
    add(
        {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "priority": "routine",
            "code": {"coding": [{"system": "http://grouptherapy.example.org/fhir/CodeSystem/change-request", "code": "skip" if n == 0 else "make-up"}],
                     "text": "Member change request"},
            "description": text,
            "focus": {"reference": session_refs[(group_key, week)]},
            "for": {"reference": patients[member]},
            "authoredOn": (ANCHOR_MONDAY - timedelta(days=1)).isoformat(),
            "requester": {"reference": patients[member]},
            "owner": {"reference": practice},
        },
        f"task/change/{n}",
        f"change-request-{n}",
    )

bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
out = Path(__file__).resolve().parents[2] / "server/src/main/resources/demo/demo-practice.json"
out.write_text(json.dumps(bundle, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
practice_entries = entries

# --- The intake pipeline: one small transaction per person, loaded after the practice ----------------
# Each goes through the server's own hooks: a referral opens an intake Task, a screening appointment
# based on it moves it on, screening responses are validated and scored (a PHQ-9 item 9 answer raises
# a clinician-review Flag), and signed consents move it to consents-signed. References into the
# practice are match URLs on its business identifiers.
def match(kind, value):
    return {"reference": f"{kind}/{demo_id(value)}"}


FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
AGREEMENT = ["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"]
CONSENT_STATUS = {"signed": "active", "sent": "proposed", "declined": "rejected", "revoked": "inactive", "expired": "active"}


def response(questionnaire, patient, key, items, authored):
    return add({"resourceType": "QuestionnaireResponse", "questionnaire": f"{BASE}/Questionnaire/{questionnaire}",
                "status": "completed", "subject": {"reference": patient}, "authored": authored, "item": items},
               f"qr/{key}/{questionnaire}", f"screening-{key}-{questionnaire}")


def frequency_items(answers):
    return [{"linkId": str(i + 1), "answer": [{"valueCoding": {"system": "http://loinc.org", "code": FREQUENCY[a]}}]}
            for i, a in enumerate(answers)]


def readiness_items(agreement, windows, mode):
    items = [{"linkId": f"r{i + 1}", "answer": [{"valueCoding": {"system": f"{BASE}/CodeSystem/agreement", "code": AGREEMENT[a]}}]}
             for i, a in enumerate(agreement)]
    items.append({"linkId": "availability", "answer": [{"valueCoding": {"system": f"{BASE}/CodeSystem/availability-window", "code": w}} for w in windows]})
    items.append({"linkId": "attendance-mode", "answer": [{"valueCoding": {"system": f"{BASE}/CodeSystem/attendance-mode", "code": mode}}]})
    return items


def consent(patient, key, kind, state, day):
    resource = {
        "resourceType": "Consent",
        "status": CONSENT_STATUS[state],
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]},
                     {"coding": [{"system": f"{BASE}/CodeSystem/consent-kind", "code": kind, "display": CONSENT_NAMES[kind]}]}],
        "patient": {"reference": patient},
        "dateTime": day.isoformat() + "T10:00:00-05:00",
        "policy": [{"uri": f"https://riverbend-groups.example.org/policies/{kind}"}],
    }
    if state in ("signed", "expired", "revoked"):
        end = day - timedelta(days=1) if state == "expired" else ANCHOR_MONDAY + timedelta(weeks=52)
        start = day - timedelta(days=366) if state == "expired" else day
        resource["provision"] = {"period": {"start": start.isoformat(), "end": end.isoformat()}}
        resource["sourceAttachment"] = {"contentType": "application/pdf", "title": f"{CONSENT_NAMES[kind]} ({state})",
                                        "url": f"https://riverbend-groups.example.org/forms/{kind}/{key}.pdf"}
    return add(resource, f"consent/{key}/{kind}", f"consent-{key}-{kind}")


# (key, given, family, birth, reason ICD-10, stage reached, therapist, PHQ-9 answers, readiness, consents)
INTAKE = [
    ("ada", "Ada", "Whitfield", "1991-03-14", "F41.1", "referral-received", "ramirez", None, None, {}),
    ("bo", "Bo", "Lindgren", "1985-09-02", "F33.1", "screening-scheduled", "lindqvist", None, None, {}),
    ("cyrus", "Cyrus", "Mahdavi", "1978-06-21", "F43.21", "screening-done", "chen",
     [1, 1, 2, 1, 0, 1, 1, 0, 0], ([3, 3, 4, 3, 3, 4], ["tue-evening", "thu-evening"], "in-person"),
     {"group-treatment": "sent", "group-confidentiality": "sent"}),
    ("dee", "Deirdre", "Oyelaran", "1996-12-08", "F33.0", "screening-done", "nakamura",
     [2, 2, 2, 1, 2, 2, 1, 1, 1], ([2, 3, 3, 2, 3, 3], ["mon-evening", "tue-evening"], "either"),
     {"group-treatment": "declined"}),
    ("emil", "Emil", "Sorensen", "1989-04-30", "F41.1", "consents-signed", "ramirez",
     [1, 0, 1, 1, 0, 0, 1, 0, 0], ([4, 4, 3, 4, 3, 4], ["wed-afternoon", "wed-evening", "thu-evening"], "either"),
     {"group-treatment": "signed", "group-confidentiality": "signed", "telehealth": "expired"}),
    ("fen", "Fen", "Zhao", "2000-07-19", "F32.1", "consents-signed", "nakamura",
     [1, 2, 1, 1, 1, 0, 1, 0, 0], ([3, 3, 3, 3, 4, 3], ["mon-evening", "thu-evening"], "virtual"),
     {"group-treatment": "signed", "group-confidentiality": "signed", "telehealth": "signed"}),
    ("gus", "Gus", "Halloran", "1969-11-11", "F43.21", "referral-received", "chen", None, None,
     {"group-treatment": "revoked"}),
    # The loader takes these three further through the server's own paths (DemoIntakeSteps):
    # Hana and Ivo are enrolled into the open process group, Ivo's intake is then marked
    # first-session-attended, and Jade declines (closed-declined).
    ("hana", "Hana", "Kowalczyk", "1987-02-17", "F33.1", "consents-signed", "lindqvist",
     [1, 1, 1, 1, 0, 1, 0, 0, 0], ([4, 3, 4, 3, 3, 4], ["tue-evening", "thu-evening"], "in-person"),
     {"group-treatment": "signed", "group-confidentiality": "signed"}),
    ("ivo", "Ivo", "Marchetti", "1979-08-05", "F33.0", "consents-signed", "lindqvist",
     [1, 0, 1, 0, 1, 1, 0, 0, 0], ([3, 4, 3, 4, 4, 3], ["tue-evening"], "either"),
     {"group-treatment": "signed", "group-confidentiality": "signed"}),
    ("jade", "Jade", "Okonkwo", "1994-05-23", "F41.1", "referral-received", "ramirez", None, None, {}),
]
intake_bundles = []
for n, (key, given, family, birth, reason, stage, therapist, phq9, readiness, consents) in enumerate(INTAKE):
    entries = []
    referred = ANCHOR_MONDAY - timedelta(days=21 - 2 * n)
    patient = add({"resourceType": "Patient", "active": True, "name": [{"use": "official", "family": family, "given": [given]}],
                   "birthDate": birth, "telecom": [{"system": "email", "value": f"{given.lower()}.{family.lower()}@mail.example.org", "use": "home"}],
                   "managingOrganization": match("Organization", "riverbend")},
                  f"patient/intake-{key}", f"patient-intake-{key}")
    referral = add({"resourceType": "ServiceRequest", "status": "active", "intent": "order",
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "76168009", "display": "Group psychotherapy"}]},
                    "subject": {"reference": patient}, "authoredOn": referred.isoformat(),
                    "requester": match("Practitioner", f"practitioner-{therapist}"),
                    "performer": [match("Practitioner", f"practitioner-{therapist}")],
                    "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": reason}]}]},
                   f"referral/{key}", f"referral-{key}")
    intake_bundles.append({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    # Each later step is a transaction of its own, as it would come from the VA app or the EHR:
    # the server moves the intake on from evidence already stored.
    patient = f"Patient/{demo_id('patient-intake-' + key)}"
    if stage != "referral-received":
        entries = []
        screened_day = ANCHOR_MONDAY + timedelta(days=8 + n) if stage == "screening-scheduled" else referred + timedelta(days=5)
        start = datetime.combine(screened_day, datetime.min.time()).replace(hour=11 + n % 3, tzinfo=EST)
        add({"resourceType": "Appointment", "status": "booked" if stage == "screening-scheduled" else "fulfilled",
             "serviceType": [{"text": "Group screening"}], "description": "Screening for group therapy",
             "start": start.isoformat(), "end": (start + timedelta(minutes=45)).isoformat(),
             "basedOn": [match("ServiceRequest", f"referral-{key}")],
             "participant": [{"actor": {"reference": patient}, "status": "accepted"},
                             {"actor": match("Practitioner", f"practitioner-{therapist}"), "status": "accepted"}]},
            f"appointment/screening-{key}", f"screening-{key}")
        intake_bundles.append({"resourceType": "Bundle", "type": "transaction", "entry": entries})
        if phq9:
            entries = []
            authored = (referred + timedelta(days=5)).isoformat() + "T12:00:00-05:00"
            response("phq-9", patient, key, frequency_items(phq9), authored)
            response("group-readiness", patient, key, readiness_items(*readiness), authored)
            intake_bundles.append({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    if consents:
        entries = []
        for kind, state in consents.items():
            consent(patient, key, kind, state, referred + timedelta(days=6))
        intake_bundles.append({"resourceType": "Bundle", "type": "transaction", "entry": entries})

# The two people waiting for the full grief group are screened too, so $place-waitlist has work.
for m, answers, windows in ((9, [1, 1, 1, 0, 1, 1, 0, 0, 0], ["wed-evening", "thu-evening"]),
                            (12, [2, 1, 2, 1, 1, 1, 1, 0, 0], ["mon-evening", "wed-evening"])):
    entries = []
    mrn = f"RB{100200 + m * 17}"
    authored = (ANCHOR_MONDAY - timedelta(days=12)).isoformat() + "T12:00:00-05:00"
    response("phq-9", patients_by_mrn := f"Patient/{demo_id('patient-' + mrn)}", f"member-{m}", frequency_items(answers), authored)
    response("group-readiness", patients_by_mrn, f"member-{m}", readiness_items([3, 4, 3, 3, 4, 3], windows, "either"), authored)
    intake_bundles.append({"resourceType": "Bundle", "type": "transaction", "entry": entries})

intake = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": b} for b in intake_bundles]}
(out.parent / "demo-intake.json").write_text(json.dumps(intake, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
entries = practice_entries
counts = {}
for e in entries:
    counts[e["resource"]["resourceType"]] = counts.get(e["resource"]["resourceType"], 0) + 1
print(out, counts)
