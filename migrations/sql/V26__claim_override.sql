-- Claims stored past one-claim-per-member-per-session (ClaimGuard's override header: an earlier
-- system's claims known to overlap). They hold no row of claim_member_session, whose unique key
-- they pass by; they are kept here so that billing finds every live claim of a session from these
-- two tables alone and loads them by id (reconcile, the summary and the package report them as
-- duplicates), instead of searching Claims by Encounter reference.
CREATE TABLE claim_override (
    claim_id  text PRIMARY KEY,          -- Claim/12
    patient   text NOT NULL,             -- Patient/40
    session   text NOT NULL              -- Appointment/55
);
CREATE INDEX claim_override_session ON claim_override (session);

-- A window of sessions finds its claims by session.
CREATE INDEX claim_member_session_session ON claim_member_session (session);

-- Claims stored before this table existed: every live Claim whose lines name an Encounter of a
-- session and that holds no row of claim_member_session (HAPI's tables are migrated first).
INSERT INTO claim_override (claim_id, patient, session)
SELECT DISTINCT ON (claim.fhir_id)
       'Claim/' || claim.fhir_id, 'Patient/' || patient.fhir_id, 'Appointment/' || session.fhir_id
  FROM public.hfj_resource claim
  JOIN public.hfj_res_link to_patient
    ON to_patient.src_resource_id = claim.res_id AND to_patient.src_path = 'Claim.patient'
  JOIN public.hfj_resource patient ON patient.res_id = to_patient.target_resource_id
  JOIN public.hfj_res_link to_encounter
    ON to_encounter.src_resource_id = claim.res_id AND to_encounter.src_path = 'Claim.item.encounter'
  JOIN public.hfj_res_link to_session
    ON to_session.src_resource_id = to_encounter.target_resource_id
   AND to_session.src_path = 'Encounter.appointment'
  JOIN public.hfj_resource session ON session.res_id = to_session.target_resource_id
 WHERE claim.res_type = 'Claim'
   AND claim.res_deleted_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM public.hfj_spidx_token status
                    WHERE status.res_id = claim.res_id AND status.sp_name = 'status'
                      AND status.sp_value IN ('cancelled', 'entered-in-error'))
   AND NOT EXISTS (SELECT 1 FROM claim_member_session held
                    WHERE held.claim_id = 'Claim/' || claim.fhir_id)
 ORDER BY claim.fhir_id, session.fhir_id;
