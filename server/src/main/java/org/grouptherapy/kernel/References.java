package org.grouptherapy.kernel;

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

  /** Whether a reference ("Patient/7") is to a resource of this type. */
  public static boolean isOf(String reference, String resourceType) {
    return reference != null && reference.startsWith(resourceType + "/");
  }
}
