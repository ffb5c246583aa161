package org.grouptherapy.billing;

import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TherapyGroup;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Reference;

/** Who bills a member for a session when several facilitate it. Pure. */
final class RenderingProvider {

  private RenderingProvider() {}

  /**
   * The one practitioner who bills this member for this session, by the group's arrangement:
   * primary (the group's primary facilitator, or the first present), alternate (by session number),
   * split (members shared in turn, in id order), supervisor (the supervising practitioner).
   */
  static String of(
      Group group,
      Appointment session,
      String patient,
      List<String> present,
      List<String> members) {
    String primary = null;
    String arrangement = "primary";
    String supervisor = null;
    if (group != null) {
      primary =
          TherapyGroup.facilitatorsOf(group).stream()
              .filter(TherapyGroup.Facilitator::primary)
              .map(TherapyGroup.Facilitator::practitioner)
              .findFirst()
              .orElse(null);
      Extension billing = group.getExtensionByUrl(BillingCodes.GROUP_BILLING);
      if (billing != null) {
        Extension a = billing.getExtensionByUrl("arrangement");
        Extension s = billing.getExtensionByUrl("supervisor");
        arrangement = a == null ? arrangement : a.getValue().primitiveValue();
        supervisor = s == null ? null : References.of((Reference) s.getValue());
      }
    }
    List<String> billing = new ArrayList<>();
    if (primary != null && present.contains(primary)) {
      billing.add(primary);
    }
    present.stream().filter(p -> !billing.contains(p)).forEach(billing::add);
    if (billing.isEmpty()) {
      return null;
    }
    return switch (arrangement) {
      case "supervisor" -> supervisor != null ? supervisor : billing.get(0);
      case "alternate" ->
          billing.get(Math.floorMod(GroupSession.number(session) - 1, billing.size()));
      case "split" -> billing.get(Math.max(0, members.indexOf(patient)) % billing.size());
      default -> billing.get(0);
    };
  }

  /**
   * Whether a note signed by {@code signer} supports the claim of {@code rendering}: signed by the
   * rendering provider, or by the supervisor the group's billing arrangement names.
   */
  static boolean maySign(Group group, String rendering, String signer) {
    if (signer == null) {
      return false;
    }
    if (signer.equals(rendering)) {
      return true;
    }
    Extension billing = group == null ? null : group.getExtensionByUrl(BillingCodes.GROUP_BILLING);
    Extension supervisor = billing == null ? null : billing.getExtensionByUrl("supervisor");
    return supervisor != null
        && supervisor.getValue() instanceof Reference reference
        && signer.equals(References.of(reference));
  }
}
