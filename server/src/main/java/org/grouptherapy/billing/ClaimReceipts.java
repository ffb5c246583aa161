package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Date;
import java.util.List;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code Claim/$mark-received}: a clearinghouse confirms it received claims. Each draft Claim
 * becomes active (submitted), and a completed Task records the receipt (identified by the package
 * id when given, so a repeated confirmation changes nothing). Under reconcile's lock, so a
 * reconcile never sees half a receipt.
 */
@Service
class ClaimReceipts {

  private final DaoRegistry daos;
  private final TransactionLocks locks;
  private final PracticeTime time;
  private final TransactionTemplate transaction;

  ClaimReceipts(
      DaoRegistry daos,
      TransactionLocks locks,
      PracticeTime time,
      PlatformTransactionManager transactionManager) {
    this.daos = daos;
    this.locks = locks;
    this.time = time;
    this.transaction = new TransactionTemplate(transactionManager);
  }

  Parameters markReceived(List<String> claims, String packageId, String actor) {
    if (claims.isEmpty()) {
      throw InvalidParameter.malformed("claim", "Name the received claims (claim references)");
    }
    return transaction.execute(
        status -> {
          locks.lock(BillingService.LOCK);
          SystemRequestDetails system = new SystemRequestDetails();
          int received = 0;
          for (String reference : claims) {
            Claim claim = liveClaim(reference, system);
            if (claim.getStatus() == Claim.ClaimStatus.DRAFT) {
              claim.setStatus(Claim.ClaimStatus.ACTIVE);
              daos.getResourceDao(Claim.class).update(claim, ServerWrites.writer(null));
              received++;
            }
          }
          Task receipt = receipt(claims, packageId, actor);
          DaoMethodOutcome task =
              packageId == null
                  ? daos.getResourceDao(Task.class).create(receipt, system)
                  : daos.getResourceDao(Task.class)
                      .create(
                          receipt,
                          "Task?identifier=" + BillingCodes.PACKAGE_SYSTEM + "|" + packageId,
                          system);
          Parameters out = new Parameters();
          out.addParameter().setName("received").setValue(new IntegerType(received));
          out.addParameter()
              .setName("receipt")
              .setValue(new Reference(task.getId().toUnqualifiedVersionless().getValue()));
          return out;
        });
  }

  private Claim liveClaim(String reference, SystemRequestDetails system) {
    Claim claim;
    try {
      claim = daos.getResourceDao(Claim.class).read(new IdType(reference), system);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable("claim", reference + " does not exist");
    }
    if (claim.getStatus() == Claim.ClaimStatus.CANCELLED
        || claim.getStatus() == Claim.ClaimStatus.ENTEREDINERROR) {
      throw InvalidParameter.unprocessable(
          "claim",
          reference
              + " is "
              + claim.getStatus().toCode()
              + ": it cannot have been received for billing");
    }
    return claim;
  }

  private Task receipt(List<String> claims, String packageId, String actor) {
    Task receipt = new Task();
    receipt.setStatus(Task.TaskStatus.COMPLETED);
    receipt.setIntent(Task.TaskIntent.ORDER);
    receipt
        .getCode()
        .addCoding(
            new Coding(
                BillingCodes.BILLING_CODES_SYSTEM, "package-received", "Billing package received"));
    if (packageId != null) {
      receipt.addIdentifier().setSystem(BillingCodes.PACKAGE_SYSTEM).setValue(packageId);
    }
    Date now = Date.from(time.now());
    receipt.setAuthoredOn(now);
    receipt.setLastModified(now);
    if (actor != null) {
      receipt.getBusinessStatus().setText("Received by " + actor);
    }
    claims.forEach(
        c ->
            receipt
                .addInput()
                .setType(new CodeableConcept().setText("claim"))
                .setValue(new Reference(c)));
    return receipt;
  }
}
