package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import java.math.BigDecimal;
import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.ClaimResponse;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code Claim/$import-remittance}: an 835 read by {@link RemittanceReader} becomes one
 * ClaimResponse per claim it pays, adjusts or denies (linked by {@code request} to the claim found
 * by its member-session identifier, CLP01): the charge, the payment, each adjustment with its CARC
 * code and the remark codes, and the disposition in words. Importing the same file again changes
 * nothing (each ClaimResponse is identified by the payment's trace, the claim and the payer's claim
 * number). Claims the file names but the server does not know are listed, not guessed. One
 * transaction: a file is imported whole or not at all.
 */
@Service
class RemittanceImport {

  static final String RESPONSE_SYSTEM = "http://grouptherapy.example.org/identifiers/remittance";
  static final String CARC_SYSTEM = "https://x12.org/codes/claim-adjustment-reason-codes";
  static final String RARC_SYSTEM = "https://x12.org/codes/remittance-advice-remark-codes";
  static final String GROUP_SYSTEM = "https://x12.org/codes/claim-adjustment-group-codes";
  private static final String ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication";

  private final DaoRegistry daos;
  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final PracticeTime time;
  private final TransactionLocks locks;

  RemittanceImport(
      DaoRegistry daos,
      JdbcTemplate jdbc,
      PlatformTransactionManager transactions,
      PracticeTime time,
      TransactionLocks locks) {
    this.daos = daos;
    this.locks = locks;
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.time = time;
  }

  /** What one claim's remittance came to, for the answer and the summary row. */
  record Result(String claim, String outcome, String words) {}

  Parameters importFile(String x12) {
    RemittanceReader.Remittance remittance = RemittanceReader.read(x12);
    if (remittance.claims().isEmpty()) {
      throw org.grouptherapy.kernel.InvalidParameter.unprocessable(
          "remittance", "The 835 names no claim (no CLP segment)");
    }
    List<Result> results = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    transaction.executeWithoutResult(
        tx -> {
          // Two imports naming one claim (the same file sent twice at once) take turns, so the
          // second finds the first's ClaimResponse; in one order, so they never deadlock.
          remittance.claims().stream()
              .map(RemittanceReader.ClaimPayment::claimId)
              .sorted()
              .distinct()
              .forEach(claimId -> locks.lock("remittance:" + claimId));
          for (RemittanceReader.ClaimPayment payment : remittance.claims()) {
            Optional<Claim> claim = claim(payment.claimId());
            if (claim.isEmpty()) {
              unknown.add(payment.claimId());
              continue;
            }
            results.add(record(remittance, payment, claim.get()));
          }
        });
    return answer(remittance, results, unknown);
  }

  /** The live Claim with this member-session identifier (CLM01, CLP01, TRN*2 of a 277CA). */
  Optional<Claim> claim(String memberSession) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(
                Claim.SP_IDENTIFIER,
                new TokenParam(BillingCodes.MEMBER_SESSION_SYSTEM, memberSession));
    return daos
        .getResourceDao(Claim.class)
        .searchForResources(search, new SystemRequestDetails())
        .stream()
        .map(Claim.class::cast)
        .filter(c -> c.getStatus() != Claim.ClaimStatus.ENTEREDINERROR)
        .findFirst();
  }

  private Result record(
      RemittanceReader.Remittance remittance, RemittanceReader.ClaimPayment payment, Claim claim) {
    String claimId = References.of(claim);
    String outcome = outcome(payment);
    String words = words(payment, outcome);
    ClaimResponse response = response(remittance, payment, claim, words);
    String key =
        String.join(
            "|",
            remittance.trace() == null ? "" : remittance.trace(),
            payment.claimId(),
            payment.payerClaimNumber(),
            payment.status());
    String responseId = storeOnce(response, key);
    jdbc.update(
        "INSERT INTO gt.claim_remittance (claim, claim_response, outcome, charged, paid, reasons,"
            + " paid_on) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim) DO UPDATE SET"
            + " claim_response = excluded.claim_response, outcome = excluded.outcome,"
            + " charged = excluded.charged, paid = excluded.paid, reasons = excluded.reasons,"
            + " paid_on = excluded.paid_on, imported_at = now()",
        claimId,
        responseId,
        outcome,
        payment.charged(),
        payment.paid(),
        words,
        remittance.paidOn() == null ? null : Date.valueOf(remittance.paidOn()));
    return new Result(claimId, outcome, words);
  }

  /** Claims whose latest word is a rejection before adjudication (999, 277CA). */
  java.util.Set<String> rejectedClaims() {
    return new java.util.HashSet<>(
        jdbc.queryForList(
            "SELECT claim FROM gt.claim_remittance WHERE outcome = 'rejected'", String.class));
  }

  /**
   * A ClaimResponse to the claim (its patient, payer, provider and type, linked by {@code
   * request}); the caller adds what the payer or clearinghouse said.
   */
  ClaimResponse responseTo(Claim claim) {
    ClaimResponse response = new ClaimResponse();
    response.setStatus(ClaimResponse.ClaimResponseStatus.ACTIVE);
    response.setType(claim.getType());
    response.setUse(ClaimResponse.Use.CLAIM);
    response.setPatient(claim.getPatient());
    response.setCreated(java.util.Date.from(time.now()));
    response.setInsurer(claim.getInsurer());
    response.setRequestor(claim.getProvider());
    response.setRequest(new Reference(References.of(claim)));
    return response;
  }

  /**
   * Stores the response identified by {@code key} once: importing the same file again finds it.
   * Answers its id.
   */
  String storeOnce(ClaimResponse response, String key) {
    response.addIdentifier().setSystem(RESPONSE_SYSTEM).setValue(key);
    return daos.getResourceDao(ClaimResponse.class)
        .create(response, "identifier=" + RESPONSE_SYSTEM + "|" + key, ServerWrites.writer(null))
        .getId()
        .toUnqualifiedVersionless()
        .getValue();
  }

  /** A claim's latest remittance, as the summary reports it. */
  record Remitted(String outcome, String words, String response) {}

  /** The latest remittance of each of these claims that has one, in one query. */
  Map<String, Remitted> of(List<String> claims) {
    Map<String, Remitted> found = new java.util.HashMap<>();
    if (claims.isEmpty()) {
      return found;
    }
    jdbc.query(
        "SELECT claim, outcome, reasons, claim_response FROM gt.claim_remittance"
            + " WHERE claim = ANY (?)",
        ps -> ps.setArray(1, ps.getConnection().createArrayOf("text", claims.toArray())),
        rs -> {
          found.put(
              rs.getString("claim"),
              new Remitted(
                  rs.getString("outcome"),
                  rs.getString("reasons"),
                  rs.getString("claim_response")));
        });
    return found;
  }

  /**
   * The problem a remittance or acknowledgement makes of a claim: denied or rejected (an error),
   * underpaid (a warning).
   */
  static Optional<ClaimRules.Problem> problem(String claim, String patient, Remitted remitted) {
    if ("rejected".equals(remitted.outcome())) {
      return Optional.of(
          ClaimRules.Problem.error(
              "claim-rejected",
              "The clearinghouse or payer rejected "
                  + claim
                  + " ("
                  + patient
                  + ") before adjudication: "
                  + remitted.words(),
              "Correct what the status codes name (the member's, the payer's or a provider's"
                  + " data) and reconcile; the next $billing-package carries the claim again",
              claim,
              remitted.response()));
    }
    if ("denied".equals(remitted.outcome())) {
      return Optional.of(
          ClaimRules.Problem.error(
              "remittance-denied",
              "The payer denied " + claim + " (" + patient + "): " + remitted.words(),
              "Correct what the reasons name and send a corrected claim, or appeal or write it"
                  + " off",
              claim,
              remitted.response()));
    }
    if ("underpaid".equals(remitted.outcome())) {
      return Optional.of(
          ClaimRules.Problem.warning(
              "remittance-underpaid",
              "The payer paid less than billed for "
                  + claim
                  + " ("
                  + patient
                  + "): "
                  + remitted.words(),
              "Check the adjustments against the payer's contract; appeal an error",
              claim,
              remitted.response()));
    }
    return Optional.empty();
  }

  /** paid, underpaid (less than the charge less the patient's share), denied, reversed. */
  static String outcome(RemittanceReader.ClaimPayment payment) {
    if (payment.reversal()) {
      return "reversed";
    }
    if (payment.denied() || payment.paid().signum() == 0) {
      return "denied";
    }
    BigDecimal expected = payment.charged().subtract(payment.patientResponsibility());
    return payment.paid().compareTo(expected) < 0 ? "underpaid" : "paid";
  }

  /** "Denied: CO-50: not deemed a medical necessity by the payer; N290: ...". */
  static String words(RemittanceReader.ClaimPayment payment, String outcome) {
    List<String> reasons = new ArrayList<>();
    payment.adjustments().forEach(a -> reasons.add(RemittanceReader.words(a)));
    payment.remarks().forEach(r -> reasons.add(RemittanceReader.remarkWords(r)));
    String head =
        switch (outcome) {
          case "denied" -> "Denied";
          case "reversed" -> "Payment reversed";
          case "underpaid" ->
              "Paid " + payment.paid().toPlainString() + " of " + payment.charged().toPlainString();
          default -> "Paid " + payment.paid().toPlainString();
        };
    return reasons.isEmpty() ? head : head + ": " + String.join("; ", reasons);
  }

  private ClaimResponse response(
      RemittanceReader.Remittance remittance,
      RemittanceReader.ClaimPayment payment,
      Claim claim,
      String words) {
    ClaimResponse response = responseTo(claim);
    response.setOutcome(ClaimResponse.RemittanceOutcome.COMPLETE);
    response.setDisposition(words);
    if (!payment.payerClaimNumber().isEmpty()) {
      response
          .addIdentifier()
          .setSystem(RESPONSE_SYSTEM + "/payer-claim-number")
          .setValue(payment.payerClaimNumber());
    }
    ClaimResponse.ItemComponent item = response.addItem().setItemSequence(1);
    item.addAdjudication()
        .setCategory(new CodeableConcept(new Coding(ADJUDICATION, "submitted", "Submitted Amount")))
        .setAmount(money(payment.charged()));
    item.addAdjudication()
        .setCategory(new CodeableConcept(new Coding(ADJUDICATION, "benefit", "Benefit Amount")))
        .setAmount(money(payment.paid()));
    for (RemittanceReader.Adjustment adjustment : payment.adjustments()) {
      item.addAdjudication()
          .setCategory(new CodeableConcept(new Coding(GROUP_SYSTEM, adjustment.group(), null)))
          .setReason(
              new CodeableConcept(
                  new Coding(
                      CARC_SYSTEM,
                      adjustment.reason(),
                      RemittanceReader.CARC.get(adjustment.reason()))))
          .setAmount(money(adjustment.amount()));
    }
    for (String remark : payment.remarks()) {
      response.addProcessNote().setText(RemittanceReader.remarkWords(remark));
    }
    response
        .addTotal()
        .setCategory(new CodeableConcept(new Coding(ADJUDICATION, "submitted", null)))
        .setAmount(money(payment.charged()));
    response
        .addTotal()
        .setCategory(new CodeableConcept(new Coding(ADJUDICATION, "benefit", null)))
        .setAmount(money(payment.paid()));
    ClaimResponse.PaymentComponent paid = response.getPayment();
    paid.getType()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/ex-paymenttype")
        .setCode("complete");
    paid.setAmount(money(payment.paid()));
    if (remittance.paidOn() != null) {
      paid.setDateElement(new org.hl7.fhir.r4.model.DateType(remittance.paidOn().toString()));
    }
    if (remittance.trace() != null) {
      paid.getIdentifier().setSystem(RESPONSE_SYSTEM + "/trace").setValue(remittance.trace());
    }
    return response;
  }

  private static Money money(BigDecimal amount) {
    return new Money().setValue(amount).setCurrency("USD");
  }

  private static Parameters answer(
      RemittanceReader.Remittance remittance, List<Result> results, List<String> unknown) {
    Parameters out = new Parameters();
    OperationOutcome outcome = new OperationOutcome();
    Map<String, Long> counts =
        results.stream().collect(Collectors.groupingBy(Result::outcome, Collectors.counting()));
    for (String kind : List.of("paid", "underpaid", "denied", "reversed")) {
      out.addParameter()
          .setName(kind)
          .setValue(new IntegerType(counts.getOrDefault(kind, 0L).intValue()));
    }
    out.addParameter().setName("total").setValue(new DecimalType(remittance.total()));
    for (Result result : results) {
      Parameters.ParametersParameterComponent claim = out.addParameter().setName("claim");
      claim.addPart().setName("claim").setValue(new Reference(result.claim()));
      claim.addPart().setName("outcome").setValue(new StringType(result.outcome()));
      claim.addPart().setName("disposition").setValue(new StringType(result.words()));
      if (!"paid".equals(result.outcome())) {
        Outcomes.warning(
            outcome,
            OperationOutcome.IssueType.BUSINESSRULE,
            result.claim() + ": " + result.words());
      }
    }
    for (String claim : unknown) {
      Outcomes.warning(
          outcome,
          OperationOutcome.IssueType.NOTFOUND,
          "The 835 pays claim "
              + claim
              + ", which this server does not know (no Claim with that member-session"
              + " identifier): nothing was recorded for it");
    }
    if (outcome.getIssue().isEmpty()) {
      Outcomes.info(outcome, results.size() + " claim(s) paid in full");
    }
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }
}
