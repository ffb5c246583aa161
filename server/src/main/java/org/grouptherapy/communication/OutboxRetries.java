package org.grouptherapy.communication;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.ServerWrites;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Puts a message the outbox gave up on (status failed, its Communication stopped) back in the
 * queue, due now with a fresh count of attempts, and its Communication back to in-progress. The
 * row's own status decides, under its row lock, so two retries at once queue it once and the second
 * is told it is already on its way; a delivered message is never sent twice.
 */
@Service
class OutboxRetries {

  private final JdbcTemplate jdbc;
  private final DaoRegistry daos;

  OutboxRetries(JdbcTemplate jdbc, DaoRegistry daos) {
    this.jdbc = jdbc;
    this.daos = daos;
  }

  @Transactional
  Parameters retry(IdType id) {
    SystemRequestDetails system = new SystemRequestDetails();
    Communication communication = daos.getResourceDao(Communication.class).read(id, system);
    String reference = id.getValue();
    List<String> status =
        jdbc.queryForList(
            "SELECT status FROM gt.outbox_message WHERE communication = ? FOR UPDATE",
            String.class,
            reference);
    if (status.isEmpty()) {
      throw new ResourceNotFoundException(
          "Nothing of "
              + reference
              + " is in the outbox: it was never queued for delivery (e.g. the recipient has no"
              + " email address; its statusReason says why). Contact the recipient another way.");
    }
    switch (status.get(0)) {
      case "sent" ->
          throw Outcomes.conflict(reference + " was delivered already; it is not sent twice.");
      case "pending" ->
          throw Outcomes.conflict(
              reference + " is still being sent: the outbox retries it by itself.");
      default -> {
        // failed: queue it again
      }
    }
    int attempts =
        jdbc.queryForObject(
            "UPDATE gt.outbox_message SET status = 'pending', attempts = 0, last_error = NULL,"
                + " next_attempt_at = now() WHERE communication = ? RETURNING 1",
            Integer.class,
            reference);
    communication.setStatus(Communication.CommunicationStatus.INPROGRESS);
    communication.setStatusReason(null);
    daos.getResourceDao(Communication.class).update(communication, ServerWrites.writer(null));
    Parameters out = new Parameters();
    out.addParameter().setName("status").setValue(new CodeType("in-progress"));
    out.addParameter().setName("queued").setValue(new IntegerType(attempts));
    return out;
  }
}
