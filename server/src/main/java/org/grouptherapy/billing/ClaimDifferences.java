package org.grouptherapy.billing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.grouptherapy.billing.ClaimRules.Expected;
import org.grouptherapy.billing.ClaimRules.Problem;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Coding;

/** What claims on file get wrong against the expected claim of a member-session. Pure. */
final class ClaimDifferences {

  private ClaimDifferences() {}

  /** Duplicate claims, two rendering providers, and what each claim codes wrong. */
  static List<Problem> of(Expected expected, List<Claim> existing) {
    List<Problem> problems = new ArrayList<>();
    if (existing.size() > 1) {
      List<String> ids = existing.stream().map(ClaimDifferences::claimId).toList();
      problems.add(
          new Problem(
              true,
              "duplicate-claim",
              ids.size()
                  + " claims bill "
                  + expected.patient()
                  + " for "
                  + References.of(expected.session())
                  + ": "
                  + String.join(", ", ids),
              "Keep one and cancel the others",
              ids));
      Set<String> renderers = new TreeSet<>();
      existing.forEach(c -> renderingOf(c).ifPresent(renderers::add));
      if (renderers.size() > 1) {
        problems.add(
            new Problem(
                true,
                "two-rendering-providers",
                expected.patient()
                    + " is billed by "
                    + String.join(" and ", renderers)
                    + " for the same session",
                "Only "
                    + expected.rendering()
                    + " bills this member for this session; cancel the other claim",
                ids));
      }
    }
    for (Claim claim : existing) {
      List<String> wrong = differences(expected, claim);
      if (!wrong.isEmpty()) {
        problems.add(
            Problem.error(
                "wrong-coding",
                claimId(claim) + ": " + String.join("; ", wrong),
                "Correct " + claimId(claim) + " (or cancel it and reconcile again)",
                claimId(claim)));
      }
    }
    return problems;
  }

  /** The rendering provider of an existing claim: care team member with role primary. */
  static Optional<String> renderingOf(Claim claim) {
    return claim.getCareTeam().stream()
        .filter(t -> t.getRole().getCoding().stream().anyMatch(c -> "primary".equals(c.getCode())))
        .map(t -> References.of(t.getProvider()))
        .findFirst();
  }

  /** What an existing claim gets wrong against the expected one. */
  static List<String> differences(Expected expected, Claim claim) {
    List<String> wrong = new ArrayList<>();
    String addOnCode = expected.rules().interactiveComplexityCode();
    Claim.ItemComponent item =
        claim.getItem().stream().filter(i -> !hasCode(i, addOnCode)).findFirst().orElse(null);
    if (item == null) {
      wrong.add("no service line");
      return wrong;
    }
    String code = item.getProductOrService().getCodingFirstRep().getCode();
    if (!expected.code().equals(code)) {
      wrong.add("code " + code + " should be " + expected.code());
    }
    List<String> modifiers =
        item.getModifier().stream().map(m -> m.getCodingFirstRep().getCode()).toList();
    if (!new TreeSet<>(modifiers).equals(new TreeSet<>(expected.modifiers()))) {
      wrong.add("modifiers " + modifiers + " should be " + expected.modifiers());
    }
    String pos =
        item.getLocationCodeableConcept().getCoding().stream()
            .map(Coding::getCode)
            .findFirst()
            .orElse(null);
    if (!expected.placeOfService().equals(pos)) {
      wrong.add("place of service " + pos + " should be " + expected.placeOfService());
    }
    int units = item.getQuantity().hasValue() ? item.getQuantity().getValue().intValue() : 0;
    if (units != 1) {
      wrong.add(units + " units should be 1");
    }
    boolean addOn = claim.getItem().stream().anyMatch(i -> hasCode(i, addOnCode));
    if (addOn != expected.interactiveComplexity()) {
      wrong.add(
          expected.interactiveComplexity()
              ? "the interactive complexity add-on " + addOnCode + " is missing"
              : "the add-on " + addOnCode + " is not in the note");
    }
    Optional<String> rendering = renderingOf(claim);
    if (expected.rendering() != null
        && rendering.isPresent()
        && !expected.rendering().equals(rendering.get())) {
      wrong.add("rendering provider " + rendering.get() + " should be " + expected.rendering());
    }
    return wrong;
  }

  private static boolean hasCode(Claim.ItemComponent item, String code) {
    return item.getProductOrService().getCoding().stream().anyMatch(c -> code.equals(c.getCode()));
  }

  static String claimId(Claim claim) {
    return References.of(claim);
  }
}
