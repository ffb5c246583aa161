package org.grouptherapy.security;

import java.time.Instant;

/**
 * One row of the audit trail ({@code gt.audit_event}), as a request leaves it: plain strings, so
 * that recording costs a request next to nothing. {@link AuditEventProvider} turns rows into FHIR
 * AuditEvents.
 *
 * @param subtype the RESTful interaction ("read", "search-type", "operation", "access-denied")
 * @param action C, R, U, D or E
 * @param outcome 0 (success), 4 (refused) or 8 (failed)
 * @param agent what the trail is searched by: the user's FHIR reference, else the token subject
 * @param userRef the signed-in user's FHIR resource (fhirUser), or null
 * @param subject the token's subject (user name or client id), or null when there was no token
 * @param entity the resource acted on ("Patient/7"), or null for searches and type operations
 * @param entityType the resource type of a search or type-level operation
 * @param patient the patient whose data it was: the patient in context, or a Patient acted on
 * @param query the query string, when there was one
 * @param description what was refused ("GET /fhir/Patient") or read without a token
 */
record AuditRecord(
    Instant recorded,
    String subtype,
    String action,
    String outcome,
    String outcomeDesc,
    String agent,
    String userRef,
    String subject,
    String clientId,
    String address,
    String entity,
    String entityType,
    String patient,
    String query,
    String description) {

  static final String COPY =
      "COPY gt.audit_event (recorded, subtype, action, outcome, outcome_desc, agent, user_ref,"
          + " subject, client_id, address, entity, entity_type, patient, query, description)"
          + " FROM STDIN";

  AuditRecord withAgent(String who) {
    return new AuditRecord(
        recorded,
        subtype,
        action,
        outcome,
        outcomeDesc,
        who,
        userRef,
        subject,
        clientId,
        address,
        entity,
        entityType,
        patient,
        query,
        description);
  }

  /** This record as one line of PostgreSQL's COPY text format. */
  void appendCopyRow(StringBuilder out) {
    field(out, recorded.toString()).append('\t');
    field(out, subtype).append('\t');
    field(out, action).append('\t');
    field(out, outcome).append('\t');
    field(out, outcomeDesc).append('\t');
    field(out, agent).append('\t');
    field(out, userRef).append('\t');
    field(out, subject).append('\t');
    field(out, clientId).append('\t');
    field(out, address).append('\t');
    field(out, entity).append('\t');
    field(out, entityType).append('\t');
    field(out, patient).append('\t');
    field(out, query).append('\t');
    field(out, description).append('\n');
  }

  private static StringBuilder field(StringBuilder out, String value) {
    if (value == null) {
      return out.append("\\N");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out;
  }
}
