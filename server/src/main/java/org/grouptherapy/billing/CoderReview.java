package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.springframework.stereotype.Service;

/**
 * A session's documentation for coder review ({@code Appointment/[id]/$coder-review}): the session
 * and its group, per member their attendance (Encounter), their signed note and their claims, each
 * claim's codes, modifiers and place of service with the rule that put each there, and the problems
 * reconcile finds. The same as a printable page ({@code format=html}).
 */
@Service
class CoderReview {

  private final DaoRegistry daos;
  private final ClaimReadModel readModel;
  private final BillingRules rules;

  CoderReview(DaoRegistry daos, ClaimReadModel readModel, BillingRules rules) {
    this.daos = daos;
    this.readModel = readModel;
    this.rules = rules;
  }

  /** One member's part of the review. */
  record Member(
      Patient patient,
      Encounter attendance,
      DocumentReference note,
      String noteText,
      List<Claim> claims,
      List<String> why) {}

  /** The whole review: the session, its members, the problems. */
  record Review(
      Appointment session,
      org.hl7.fhir.r4.model.Group group,
      List<Member> members,
      OperationOutcome problems) {}

  Review review(String sessionId) {
    SystemRequestDetails read = new SystemRequestDetails();
    Appointment session;
    try {
      session = daos.getResourceDao(Appointment.class).read(new IdType(sessionId), read);
    } catch (ResourceGoneException e) {
      throw new ResourceNotFoundException(sessionId + " was deleted");
    }
    if (GroupSession.groupOf(session).isEmpty()) {
      throw InvalidParameter.unprocessable("session", sessionId + " is not a group session");
    }
    AtomicReference<ClaimRules.SessionFacts> facts = new AtomicReference<>();
    ClaimReadModel.Run run = readModel.newRun();
    ClaimRules.SessionResult result = run.review(session, facts::set);
    OperationOutcome problems = new OperationOutcome();
    Map<String, List<ClaimRules.Problem>> byPatient = new LinkedHashMap<>();
    for (ClaimRules.Line line : result.lines()) {
      line.problems().forEach(p -> BillingService.issue(problems, p));
      byPatient.computeIfAbsent(line.patient(), k -> new ArrayList<>()).addAll(line.problems());
    }
    if (problems.getIssue().isEmpty()) {
      Outcomes.info(problems, "No problems: attendance, notes, coverage and claims agree");
    }
    List<Member> members = new ArrayList<>();
    ClaimRules.SessionFacts found = facts.get();
    for (ClaimRules.Line line : result.lines()) {
      String patientId = line.patient();
      Patient patient = daos.getResourceDao(Patient.class).read(new IdType(patientId), read);
      List<String> why = new ArrayList<>();
      for (Claim claim : line.claims()) {
        why.addAll(why(claim, run));
      }
      DocumentReference note = found.notes().get(patientId);
      members.add(
          new Member(
              patient, found.encounters().get(patientId), note, text(note), line.claims(), why));
    }
    return new Review(session, result.group(), members, problems);
  }

  /** The note's text (its attachments' data, read as UTF-8), or null. */
  private static String text(DocumentReference note) {
    if (note == null) {
      return null;
    }
    StringBuilder text = new StringBuilder();
    for (var content : note.getContent()) {
      if (content.getAttachment().hasData()) {
        text.append(
            new String(content.getAttachment().getData(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return text.toString();
  }

  /** Each code of the claim and the rule that put it there, in words. */
  private List<String> why(Claim claim, ClaimReadModel.Run run) {
    String payerId =
        claim.getInsuranceFirstRep().hasCoverage()
            ? run.payerIdOfCoverage(References.of(claim.getInsuranceFirstRep().getCoverage()))
                .orElse(null)
            : null;
    BillingRules.Payer payer = rules.forPayer(payerId);
    String id = claim.getIdentifierFirstRep().getValue();
    List<String> why = new ArrayList<>();
    for (Claim.ItemComponent item : claim.getItem()) {
      String code = item.getProductOrService().getCodingFirstRep().getCode();
      String rule =
          code == null
              ? "no code"
              : code.equals(payer.groupCode())
                  ? "the payer's group psychotherapy code (groupCode)"
                  : code.equals(payer.multiFamilyCode())
                      ? "the payer's multi-family group code for a multi-family group"
                          + " (multiFamilyCode)"
                      : code.equals(payer.interactiveComplexityCode())
                          ? "interactive complexity documented for this member"
                              + " (interactiveComplexityCode)"
                          : "not a code the rules give";
      why.add(id + ": CPT " + code + ": " + rule + " of " + payer.name());
      for (var modifier : item.getModifier()) {
        String m = modifier.getCodingFirstRep().getCode();
        String because =
            payer.telehealthModifiers().contains(m)
                ? "telehealth modifier of "
                    + payer.name()
                    + " for a virtual session"
                    + " (telehealthModifiers)"
                : payer.groupModifiers().contains(m)
                    ? "group modifier " + payer.name() + " asks for (groupModifiers)"
                    : "not a modifier the rules give";
        why.add(id + ": modifier " + m + ": " + because);
      }
      Coding pos = item.getLocationCodeableConcept().getCodingFirstRep();
      String setting =
          payer.placeOfService().entrySet().stream()
              .filter(e -> e.getValue().equals(pos.getCode()))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(null);
      why.add(
          id
              + ": place of service "
              + pos.getCode()
              + ": "
              + (setting == null
                  ? "not a place of service the rules give"
                  : "the session's setting, " + setting + " (placeOfService." + setting + ")"));
    }
    return why;
  }

  /** The review as a FHIR collection Bundle. */
  static Bundle bundle(Review review) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
    bundle.addEntry().setResource(review.session());
    if (review.group() != null) {
      bundle.addEntry().setResource(review.group());
    }
    OperationOutcome why = new OperationOutcome();
    for (Member member : review.members()) {
      bundle.addEntry().setResource(member.patient());
      if (member.attendance() != null) {
        bundle.addEntry().setResource(member.attendance());
      }
      if (member.note() != null) {
        bundle.addEntry().setResource(member.note());
      }
      member.claims().forEach(c -> bundle.addEntry().setResource(c));
      member.why().forEach(w -> Outcomes.info(why, w));
    }
    bundle.addEntry().setResource(why);
    bundle.addEntry().setResource(review.problems());
    return bundle;
  }
}
