package org.grouptherapy.communication;

import static org.grouptherapy.kernel.access.OperationPermit.onInstances;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import java.util.List;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.springframework.stereotype.Component;

/** {@code Communication/[id]/$retry}: send again a message the outbox gave up on. */
@Component
class CommunicationOperations implements FhirOperationProvider, OperationAccess {

  private final OutboxRetries retries;

  CommunicationOperations(OutboxRetries retries) {
    this.retries = retries;
  }

  @Override
  public List<OperationPermit> permits() {
    return List.of(
        onInstances(
            OperationNames.RETRY,
            Communication.class,
            g ->
                g.isSystemOr(Role.VA, Role.ADMIN)
                    && g.readsAnywhere("Communication")
                    && g.writesAnywhere("Communication"),
            "Communication read and write anywhere (user/Communication.cru): a VA, an"
                + " administrator or a system client"));
  }

  /** POST Communication/[id]/$retry */
  @Operation(name = OperationNames.RETRY, type = Communication.class)
  public Parameters retry(@IdParam IdType id) {
    return retries.retry(id.toUnqualifiedVersionless());
  }
}
