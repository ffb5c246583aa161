package org.grouptherapy.kernel;

import java.util.Comparator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;

/** References as the server compares them: "Type/id", without base URL or version. */
public final class References {

  private References() {}

  /** "Patient/7" for a reference to Patient 7 (at any base, any version); null for none. */
  public static String of(Reference reference) {
    if (reference == null || !reference.hasReference()) {
      return null;
    }
    IdType id = new IdType(reference.getReference());
    return id.hasResourceType() && id.hasIdPart() ? id.toUnqualifiedVersionless().getValue() : null;
  }

  /** "Patient/7" for a stored resource. */
  public static String of(IBaseResource resource) {
    return resource.getIdElement().toUnqualifiedVersionless().getValue();
  }

  /** "Patient/7" for "Patient/7", "Patient/7/_history/2" or "http://base/Patient/7". */
  public static String unversioned(String reference) {
    return new IdType(reference).toUnqualifiedVersionless().getValue();
  }

  /**
   * References ordered by id: numeric ids (the server's) by number, before client-assigned ones
   * (any text, "patient-RB100200") in text order. Never fails on either kind.
   */
  public static final Comparator<String> BY_ID =
      Comparator.comparing((String r) -> numericId(r) == null)
          .thenComparing(r -> numericId(r), Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(
              r -> new IdType(r).getIdPart(), Comparator.nullsLast(Comparator.naturalOrder()));

  private static Long numericId(String reference) {
    String id = new IdType(reference).getIdPart();
    return id != null && id.matches("\\d{1,18}") ? Long.valueOf(id) : null;
  }

  /** Whether a reference ("Patient/7") is to a resource of this type. */
  public static boolean isOf(String reference, String resourceType) {
    return reference != null && reference.startsWith(resourceType + "/");
  }
}
