package org.grouptherapy.security;

import ca.uhn.fhir.context.FhirContext;
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
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.fhir.FhirResourceProvider;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
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

  private final JdbcTemplate jdbc;
  private final FhirContext fhirContext;

  AuditEventProvider(JdbcTemplate jdbc, FhirContext fhirContext) {
    this.jdbc = jdbc;
    this.fhirContext = fhirContext;
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
            "SELECT id, event FROM gt.audit_event WHERE id = ?",
            (rs, n) -> parse(rs.getLong(1), rs.getString(2)),
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
    StringBuilder sql = new StringBuilder("SELECT id, event FROM gt.audit_event WHERE true");
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
    return jdbc.query(
        sql.toString(), (rs, n) -> parse(rs.getLong(1), rs.getString(2)), args.toArray());
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

  private AuditEvent parse(long id, String json) {
    AuditEvent event = fhirContext.newJsonParser().parseResource(AuditEvent.class, json);
    event.setId(new IdType("AuditEvent", Long.toString(id)));
    return event;
  }
}
