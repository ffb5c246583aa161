-- The latest remittance (835) of each claim, as Claim/$import-remittance read it: what the payer
-- did (paid, underpaid, denied, reversed) and why in words, for reconcile and the billing summary
-- to report without reading every ClaimResponse. The ClaimResponse is the record; this row is its
-- summary, written in the same transaction.
CREATE TABLE claim_remittance (
    claim           text          PRIMARY KEY,   -- Claim/123
    claim_response  text          NOT NULL,      -- ClaimResponse/456
    outcome         text          NOT NULL CHECK (outcome IN ('paid', 'underpaid', 'denied', 'reversed')),
    charged         numeric(12,2) NOT NULL,
    paid            numeric(12,2) NOT NULL,
    reasons         text          NOT NULL,
    paid_on         date,
    imported_at     timestamptz   NOT NULL DEFAULT now()
);
