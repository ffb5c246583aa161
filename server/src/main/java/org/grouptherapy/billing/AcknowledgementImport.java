package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.grouptherapy.billing.AcknowledgementReader.Acknowledgement;
import org.grouptherapy.billing.AcknowledgementReader.ClaimAck;
import org.grouptherapy.billing.AcknowledgementReader.FileAck;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code Claim/$import-acknowledgement}: a 999 or 277CA read by {@link AcknowledgementReader}
 * becomes, per claim it accepts or rejects, a ClaimResponse ({@code outcome} queued when accepted,
 * error with the status codes when rejected) and the claim's row in {@code gt.claim_remittance}, so
 * reconcile and the billing summary report a rejected claim ({@code claim-rejected}) with the
 * reasons in words. A 999 names the 837's functional group: its claims are those the server wrote
 * into it ({@code gt.x12_submission}). An acknowledgement never overwrites a remittance; the same
 * file again changes nothing; one transaction, under each claim's lock (as remittances take it).
 */
@Service
class AcknowledgementImport {

  static final String STATUS_SYSTEM = "https://x12.org/codes/claim-status-codes";

  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final TransactionLocks locks;
  private final RemittanceImport remittances;

  AcknowledgementImport(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      PlatformTransactionManager transactions,
      TransactionLocks locks,
      RemittanceImport remittances) {
    this.daos = daos;
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.locks = locks;
    this.remittances = remittances;
  }

  /** One claim's acknowledgement as recorded. */
  private record Recorded(String claim, boolean accepted, String words) {}

  Parameters importFile(String x12) {
    Acknowledgement ack = AcknowledgementReader.read(x12);
    List<Recorded> recorded = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    transaction.executeWithoutResult(
        tx -> {
          if (ack.kind().equals("999")) {
            for (FileAck file : ack.files()) {
              List<String> claims = submitted(file.groupControlNumber());
              if (claims.isEmpty()) {
                unknown.add("functional group " + file.groupControlNumber());
              }
              lockAll(claims);
              for (String claim : claims) {
                read(claim)
                    .ifPresent(
                        c ->
                            recorded.add(record(ack, c, file.accepted(), List.of(), file.words())));
              }
            }
          } else {
            lockAll(ack.claims().stream().map(ClaimAck::claimId).toList());
            for (ClaimAck claimAck : ack.claims()) {
              Optional<Claim> claim = remittances.claim(claimAck.claimId());
              if (claim.isEmpty()) {
                unknown.add("claim " + claimAck.claimId());
                continue;
              }
              recorded.add(
                  record(
                      ack, claim.get(), claimAck.accepted(), claimAck.codes(), claimAck.words()));
            }
          }
        });
    return answer(ack, recorded, unknown);
  }

  /** The claims of the 837 written with this functional group control number (GS06). */
  private List<String> submitted(String groupControl) {
    if (!groupControl.matches("[0-9]{1,18}")) {
      return List.of();
    }
    return jdbc.query(
        "SELECT unnest(claims) FROM gt.x12_submission WHERE group_control = ?",
        (rs, i) -> rs.getString(1),
        Long.parseLong(groupControl));
  }

  /** Locks in one order for every importer (remittances lock the member-session ids too). */
  private void lockAll(List<String> keys) {
    new TreeSet<>(keys).forEach(k -> locks.lock("remittance:" + k));
  }

  private Optional<Claim> read(String reference) {
    try {
      return Optional.of(
          daos.getResourceDao(Claim.class).read(new IdType(reference), new SystemRequestDetails()));
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return Optional.empty();
    }
  }

  private Recorded record(
      Acknowledgement ack, Claim claim, boolean accepted, List<String> codes, String words) {
    String claimId = References.of(claim);
    ClaimResponse response = remittances.responseTo(claim);
    response.setOutcome(
        accepted ? ClaimResponse.RemittanceOutcome.QUEUED : ClaimResponse.RemittanceOutcome.ERROR);
    response.setDisposition(words);
    if (!accepted) {
      for (String code : codes) {
        response
            .addError()
            .setCode(
                new CodeableConcept(
                    new Coding(STATUS_SYSTEM, code, AcknowledgementReader.statusWords(code))));
      }
    }
    String key = String.join("|", ack.kind(), ack.control(), claimId, String.valueOf(accepted));
    String responseId = remittances.storeOnce(response, key);
    jdbc.update(
        "INSERT INTO gt.claim_remittance (claim, claim_response, outcome, charged, paid, reasons)"
            + " VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (claim) DO UPDATE SET"
            + " claim_response = excluded.claim_response, outcome = excluded.outcome,"
            + " reasons = excluded.reasons, imported_at = now()"
            + " WHERE claim_remittance.outcome IN ('accepted', 'rejected')",
        claimId,
        responseId,
        accepted ? "accepted" : "rejected",
        claim.getTotal().getValue(),
        words);
    return new Recorded(claimId, accepted, words);
  }

  private static Parameters answer(
      Acknowledgement ack, List<Recorded> recorded, List<String> unknown) {
    Parameters out = new Parameters();
    out.addParameter().setName("kind").setValue(new StringType(ack.kind()));
    long accepted = recorded.stream().filter(Recorded::accepted).count();
    out.addParameter().setName("accepted").setValue(new IntegerType((int) accepted));
    out.addParameter()
        .setName("rejected")
        .setValue(new IntegerType(recorded.size() - (int) accepted));
    OperationOutcome outcome = new OperationOutcome();
    for (Recorded one : recorded) {
      Parameters.ParametersParameterComponent claim = out.addParameter().setName("claim");
      claim.addPart().setName("claim").setValue(new Reference(one.claim()));
      claim
          .addPart()
          .setName("outcome")
          .setValue(new StringType(one.accepted() ? "accepted" : "rejected"));
      claim.addPart().setName("disposition").setValue(new StringType(one.words()));
      if (!one.accepted()) {
        Outcomes.warning(
            outcome, OperationOutcome.IssueType.BUSINESSRULE, one.claim() + ": " + one.words());
      }
    }
    for (String what : unknown) {
      Outcomes.warning(
          outcome,
          OperationOutcome.IssueType.NOTFOUND,
          "The "
              + ack.kind()
              + " acknowledges "
              + what
              + ", which this server did not send (no such 837 or claim): nothing was recorded"
              + " for it");
    }
    if (outcome.getIssue().isEmpty()) {
      Outcomes.info(outcome, recorded.size() + " claim(s) accepted");
    }
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }
}
