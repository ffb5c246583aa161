-- Moves on with every write of a Subscription, on whichever instance took it. An instance about to
-- match a write against its in-memory subscriptions first compares this with the generation it
-- loaded, and reloads when they differ (org.grouptherapy.fhir.SubscriptionsInStep).
CREATE TABLE subscription_generation (
    id          int     PRIMARY KEY CHECK (id = 1),
    generation  bigint  NOT NULL
);
INSERT INTO subscription_generation (id, generation) VALUES (1, 0);
