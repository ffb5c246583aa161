package org.grouptherapy.kernel;

/** Canonical URLs of the project's FHIR package (fhir-profiles/). */
public final class Canonical {

  /** The base of every profile, extension, code system and operation of the project. */
  public static final String BASE = "http://grouptherapy.example.org/fhir";

  private Canonical() {}

  /** A StructureDefinition (profile or extension) of the package, by id. */
  public static String structure(String id) {
    return BASE + "/StructureDefinition/" + id;
  }

  /** A CodeSystem of the package, by id. */
  public static String codeSystem(String id) {
    return BASE + "/CodeSystem/" + id;
  }
}
