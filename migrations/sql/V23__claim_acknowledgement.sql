-- Acknowledgements (999, 277CA) before any payment. A claim's latest word from the clearinghouse
-- or payer goes in the same row as its remittance: accepted or rejected until an 835 says more
-- (an acknowledgement never overwrites a remittance).
ALTER TABLE claim_remittance DROP CONSTRAINT claim_remittance_outcome_check;
ALTER TABLE claim_remittance ADD CONSTRAINT claim_remittance_outcome_check
    CHECK (outcome IN ('paid', 'underpaid', 'denied', 'reversed', 'accepted', 'rejected'));

-- Each 837P written, by its functional group control number (GS06, from x12_control_number),
-- with the claims it carries: what a 999, which names only the group, is about.
CREATE TABLE x12_submission (
    group_control  bigint       PRIMARY KEY,
    package        text         NOT NULL,
    claims         text[]       NOT NULL,
    written_at     timestamptz  NOT NULL DEFAULT now()
);
