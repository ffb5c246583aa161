package org.grouptherapy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure (docs/architecture.md), checked: a kernel of shared concepts that depends
 * on no feature, the FHIR wiring and security below the features, features that depend on the
 * kernel and not on each other (except where the domain says so), and no cycle anywhere.
 */
class ArchitectureTest {

  private static final String ROOT = "org.grouptherapy";
  private static final Set<String> FEATURES =
      Set.of(
          "scheduling",
          "calendar",
          "communication",
          "intake",
          "placement",
          "billing",
          "reporting",
          "demo");

  /**
   * What each top-level package may use besides itself. Features reach each other only where the
   * domain runs through both: placement moves intakes on, reports read the intake stages, and the
   * demo loader drives every feature.
   */
  private static final Map<String, Set<String>> ALLOWED =
      Map.ofEntries(
          Map.entry("system", Set.of()),
          Map.entry("kernel", Set.of("system")),
          Map.entry("fhir", Set.of("kernel", "system")),
          Map.entry("security", Set.of("fhir", "kernel", "system")),
          Map.entry("scheduling", Set.of("fhir", "kernel", "system")),
          Map.entry("calendar", Set.of("fhir", "kernel", "system")),
          Map.entry("communication", Set.of("fhir", "kernel", "system")),
          Map.entry("intake", Set.of("fhir", "kernel", "system")),
          Map.entry("placement", Set.of("intake", "fhir", "kernel", "system")),
          Map.entry("billing", Set.of("fhir", "kernel", "system")),
          Map.entry("reporting", Set.of("intake", "fhir", "kernel", "system")),
          Map.entry(
              "demo",
              Set.of(
                  "scheduling",
                  "intake",
                  "placement",
                  "billing",
                  "communication",
                  "fhir",
                  "kernel",
                  "system")));

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
  }

  @Test
  void topLevelPackagesHaveNoCycles() {
    slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void eachPackageUsesOnlyWhatItIsAllowedTo() {
    for (Map.Entry<String, Set<String>> entry : ALLOWED.entrySet()) {
      List<String> forbidden =
          ALLOWED.keySet().stream()
              .filter(other -> !other.equals(entry.getKey()))
              .filter(other -> !entry.getValue().contains(other))
              .map(other -> ROOT + "." + other + "..")
              .toList();
      noClasses()
          .that()
          .resideInAPackage(ROOT + "." + entry.getKey() + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(forbidden.toArray(String[]::new))
          .because(entry.getKey() + " may use only " + entry.getValue())
          .check(classes);
    }
  }

  @Test
  void everyPackageIsAccountedFor() {
    classes.stream()
        .map(c -> c.getPackageName())
        .filter(p -> p.startsWith(ROOT + "."))
        .map(p -> p.substring(ROOT.length() + 1).split("\\.")[0])
        .forEach(
            top -> {
              if (!ALLOWED.containsKey(top)) {
                throw new AssertionError(
                    "Package "
                        + ROOT
                        + "."
                        + top
                        + " is new: add it to ArchitectureTest.ALLOWED and docs/architecture.md");
              }
            });
  }

  /**
   * Small units: no main class over 500 lines unless it says why at its top ("Long on purpose:"),
   * and no method over 80 lines (counted from its signature to its closing brace).
   */
  @Test
  void classesAndMethodsStaySmall() throws java.io.IOException {
    List<String> tooLong = new java.util.ArrayList<>();
    try (var files = java.nio.file.Files.walk(java.nio.file.Path.of("src/main/java"))) {
      for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        List<String> lines = java.nio.file.Files.readAllLines(file);
        if (lines.size() > 500 && lines.stream().noneMatch(l -> l.contains("Long on purpose:"))) {
          tooLong.add(file + ": " + lines.size() + " lines");
        }
        tooLong.addAll(longMethods(file.toString(), lines));
      }
    }
    org.assertj.core.api.Assertions.assertThat(tooLong).isEmpty();
  }

  private static final java.util.regex.Pattern METHOD =
      java.util.regex.Pattern.compile(
          "^  (  )?(public |protected |private |static |final |synchronized |default )*"
              + "[\\w<>\\[\\], .?]+ (\\w+)\\(.*");

  private static List<String> longMethods(String file, List<String> lines) {
    List<String> found = new java.util.ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      var declaration = METHOD.matcher(lines.get(i));
      String head = lines.get(i).strip();
      if (!declaration.matches()
          || head.startsWith("return ")
          || head.startsWith("new ")
          || head.startsWith("throw ")
          || lines.get(i).split("\\(")[0].contains(" = ")) {
        continue;
      }
      int depth = 0;
      boolean opened = false;
      int end = i;
      for (; end < lines.size(); end++) {
        for (char c : lines.get(end).toCharArray()) {
          if (c == '{') {
            depth++;
            opened = true;
          } else if (c == '}') {
            depth--;
          }
        }
        if ((!opened && lines.get(end).strip().endsWith(";")) || (opened && depth == 0)) {
          break;
        }
      }
      if (opened && end - i + 1 > 80) {
        found.add(file + ": " + declaration.group(3) + "() is " + (end - i + 1) + " lines");
      }
      i = opened ? end : i;
    }
    return found;
  }

  @Test
  void featuresReachSecurityOnlyThroughTheKernelsAccessApi() {
    noClasses()
        .that()
        .resideInAnyPackage(
            FEATURES.stream().map(f -> ROOT + "." + f + "..").toArray(String[]::new))
        .should()
        .dependOnClassesThat()
        .resideInAPackage(ROOT + ".security..")
        .check(classes);
  }
}
