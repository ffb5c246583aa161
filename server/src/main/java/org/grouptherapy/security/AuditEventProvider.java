package org.grouptherapy.security;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.grouptherapy.fhir.FhirResourceProvider;
import org.grouptherapy.kernel.Canonical;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit trail ({@code gt.audit_event}) as read-only FHIR AuditEvents, newest first. Only
 * administrators get here ({@link AuditTrail} refuses everyone else).
 *
 * <p>GET /fhir/AuditEvent/[id], GET
 * /fhir/AuditEvent?date=&entity=&agent=&patient=&subtype=&outcome=&_count=
 */
@Component
class AuditEventProvider implements FhirResourceProvider {

  static final int DEFAULT_COUNT = 100;
  static final int MAX_COUNT = 1000;
  private static final String COLUMNS =
      "id, recorded, subtype, action, outcome, outcome_desc, agent, user_ref, subject, client_id,"
          + " address, entity, entity_type, patient, query, description";

  private final JdbcTemplate jdbc;

  AuditEventProvider(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public Class<? extends IBaseResource> getResourceType() {
    return AuditEvent.class;
  }

  @Read
  public AuditEvent read(@IdParam IdType id) {
    long key;
    try {
      key = Long.parseLong(id.getIdPart());
    } catch (NumberFormatException e) {
      throw new ResourceNotFoundException(id);
    }
    List<AuditEvent> found =
        jdbc.query(
            "SELECT " + COLUMNS + " FROM gt.audit_event WHERE id = ?",
            AuditEventProvider::render,
            key);
    if (found.isEmpty()) {
      throw new ResourceNotFoundException(id);
    }
    return found.get(0);
  }

  /** Newest first whatever {@code _sort} asks; {@code _count} up to 1000 (default 100). */
  @Search
  public List<AuditEvent> search(
      @OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date,
      @OptionalParam(name = AuditEvent.SP_ENTITY) ReferenceParam entity,
      @OptionalParam(name = AuditEvent.SP_AGENT) ReferenceParam agent,
      @OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceParam patient,
      @OptionalParam(name = AuditEvent.SP_SUBTYPE) TokenParam subtype,
      @OptionalParam(name = AuditEvent.SP_OUTCOME) TokenParam outcome,
      @Sort SortSpec sort,
      @Count Integer count) {
    int limit = count == null ? DEFAULT_COUNT : count;
    if (limit < 0 || limit > MAX_COUNT) {
      throw new InvalidRequestException("_count must be between 0 and " + MAX_COUNT);
    }
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM gt.audit_event WHERE true");
    List<Object> args = new ArrayList<>();
    if (date != null && date.getLowerBoundAsInstant() != null) {
      sql.append(" AND recorded >= ?");
      args.add(new Timestamp(date.getLowerBoundAsInstant().getTime()));
    }
    if (date != null && date.getUpperBoundAsInstant() != null) {
      sql.append(" AND recorded <= ?");
      args.add(new Timestamp(date.getUpperBoundAsInstant().getTime()));
    }
    equal(sql, args, "entity", entity == null ? null : reference(entity));
    equal(sql, args, "agent", agent == null ? null : reference(agent));
    equal(sql, args, "patient", patient == null ? null : reference(patient));
    equal(sql, args, "subtype", subtype == null ? null : subtype.getValue());
    equal(sql, args, "outcome", outcome == null ? null : outcome.getValue());
    sql.append(" ORDER BY recorded DESC, id DESC LIMIT ?");
    args.add(limit);
    return jdbc.query(sql.toString(), AuditEventProvider::render, args.toArray());
  }

  private static String reference(ReferenceParam param) {
    return param.getResourceType() != null
        ? param.getResourceType() + "/" + param.getIdPart()
        : param.getValue();
  }

  private static void equal(StringBuilder sql, List<Object> args, String column, String value) {
    if (value != null) {
      sql.append(" AND ").append(column).append(" = ?");
      args.add(value);
    }
  }

  /** Subtypes of the project's own code system; the others are RESTful interactions. */
  private static final Set<String> OWN_SUBTYPES =
      Set.of(
          CareAssignments.CASELOAD_CHANGE,
          "sign-in-failure",
          "client-authentication-failure",
          "access-denied",
          AuditTrail.CALENDAR_FEED);

  private static final String OWN_SUBTYPE = Canonical.codeSystem("audit-event-subtype");
  private static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";

  private static Coding typeOf(String subtype) {
    return switch (subtype) {
      case CareAssignments.CASELOAD_CHANGE -> new Coding(DICOM, "110136", "Security Roles Changed");
      case "sign-in-failure", "client-authentication-failure" ->
          new Coding(DICOM, "110114", "User Authentication");
      default -> new Coding(AuditTrail.AUDIT_TYPE, "rest", "RESTful Operation");
    };
  }

  /** A row of the trail as an AuditEvent after IHE BALP's Basic Audit. */
  private static AuditEvent render(ResultSet row, int n) throws SQLException {
    AuditEvent event = new AuditEvent();
    event.setId(new IdType("AuditEvent", Long.toString(row.getLong("id"))));
    event.getMeta().addProfile(AuditTrail.BALP);
    String subtype = row.getString("subtype");
    event.setType(typeOf(subtype));
    event
        .addSubtype()
        .setSystem(OWN_SUBTYPES.contains(subtype) ? OWN_SUBTYPE : AuditTrail.INTERACTION)
        .setCode(subtype);
    event.setAction(AuditEvent.AuditEventAction.fromCode(row.getString("action")));
    event.setRecorded(row.getTimestamp("recorded"));
    event.setOutcome(AuditEvent.AuditEventOutcome.fromCode(row.getString("outcome")));
    event.setOutcomeDesc(row.getString("outcome_desc"));
    event.getSource().setObserver(new Reference().setDisplay("Group Therapy FHIR Server"));

    AuditEvent.AuditEventAgentComponent who = event.addAgent().setRequestor(true);
    String address = row.getString("address");
    if (address != null) {
      who.getNetwork().setAddress(address).setType(AuditEvent.AuditEventAgentNetworkType._2);
    }
    String userRef = row.getString("user_ref");
    String subject = row.getString("subject");
    String agent = row.getString("agent");
    if (userRef != null) {
      who.getWho().setReference(userRef);
    }
    if (subject != null) {
      who.getWho().getIdentifier().setValue(subject);
    }
    if (AuditTrail.CALENDAR_FEED.equals(agent)) {
      who.getWho().setDisplay("calendar feed (secret URL)").getIdentifier().setValue(agent);
    } else if (userRef == null && subject == null) {
      who.getWho().setDisplay("anonymous");
    }
    who.setAltId(row.getString("client_id"));

    String entity = row.getString("entity");
    String entityType = row.getString("entity_type");
    String query = row.getString("query");
    String description = row.getString("description");
    if (entity != null || entityType != null || query != null || description != null) {
      AuditEvent.AuditEventEntityComponent what = event.addEntity();
      if (entity != null) {
        what.setWhat(new Reference(entity));
      } else if (entityType != null) {
        what.setWhat(new Reference().setType(entityType));
      }
      if (query != null) {
        what.setQuery(query.getBytes(StandardCharsets.UTF_8));
      }
      what.setDescription(description);
    }
    String patient = row.getString("patient");
    if (patient != null && !patient.equals(entity)) {
      event.addEntity().setWhat(new Reference(patient));
    }
    return event;
  }
}
