-- Offers of a freed seat to the next people on a group's waitlist (placement/SeatOffers). An open
-- offer holds a seat: nobody else is enrolled into it until the offer is accepted (the person
-- joins), declined (the VA rejects its Task) or expires (expires_at), after which the next suitable
-- person waiting is offered it. Each person is offered a group's seat once. Written under the
-- group's lock, in the transaction of the change that freed the seat.
CREATE TABLE seat_offer (
    id           bigserial   PRIMARY KEY,
    group_id     text        NOT NULL,   -- Group/12
    patient      text        NOT NULL,   -- Patient/7
    task         text        NOT NULL,   -- Task/99, the VA's
    offered_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    status       text        NOT NULL DEFAULT 'open'
                             CHECK (status IN ('open', 'accepted', 'declined', 'expired', 'withdrawn')),
    closed_at    timestamptz,
    placed_elsewhere_at timestamptz,     -- the person joined another group: withdrawn at the next scan
    UNIQUE (group_id, patient)
);

CREATE INDEX seat_offer_open ON seat_offer (expires_at) WHERE status = 'open';
CREATE INDEX seat_offer_patient ON seat_offer (patient) WHERE status = 'open';
