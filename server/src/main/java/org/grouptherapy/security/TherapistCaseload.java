package org.grouptherapy.security;

import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The patients whose clinical data a therapist may read: those care was assigned for ({@link
 * CareAssignments}), read from the database on every request that needs it (one indexed query), so
 * that a change reaches every instance at once.
 */
@Component
class TherapistCaseload {

  private final JdbcTemplate jdbc;

  TherapistCaseload(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  Set<IIdType> patientsOf(String practitioner) {
    List<IIdType> patients =
        jdbc.query(
            "SELECT DISTINCT patient_id FROM gt.care_assignment WHERE practitioner_id = ?"
                + " ORDER BY patient_id",
            (row, n) -> new IdType(row.getString(1)),
            practitioner);
    return Set.copyOf(patients);
  }
}
