import { networkError } from "../../provider/http/errors";
import {
  ALREADY_AUTHORIZED,
  isGone,
  meansAuthorized,
  romaApiError,
} from "../../provider/roma-errors";

const answer = (code: string, status = 400) =>
  romaApiError({ status, code, apiMessage: "m" }, "do it");

describe("what ROMA Connect's codes mean to the operations", () => {
  it("reads APIG.3009 (the record is gone) as a cancel's work done, and nothing else", () => {
    expect(isGone(answer("APIG.3009", 404))).toBe(true);
    for (const other of [
      answer("APIG.3004", 404),
      answer(ALREADY_AUTHORIZED),
      answer("HTTP.404", 404),
      networkError("APIG.3009", false, "do it", "d"),
      { kind: "api", code: "APIG.3009" },
      null,
    ]) {
      expect(isGone(other)).toBe(false);
    }
  });

  it("reads APIG.3316, and only it, as a pair authorized already", () => {
    expect(ALREADY_AUTHORIZED).toBe("APIG.3316");
    expect(meansAuthorized("APIG.3316")).toBe(true);
    for (const other of ["APIG.3009", "APIG.3004", "HTTP.409", "", "constructor"]) {
      expect(meansAuthorized(other)).toBe(false);
    }
  });

  it("tells the transport what a code means, and says nothing of a plain refusal", () => {
    const meanings = ["APIG.0308", "APIGW.0308", "APIG.9008", "APIG.3500", "APIG.1001"].map(
      (code) => answer(code).meaning,
    );
    expect(meanings).toStrictEqual([
      "throttled",
      "throttled",
      "throttled",
      "not-applied",
      "token-expired",
    ]);
    for (const code of ["APIG.3009", ALREADY_AUTHORIZED, "APIG.1002", "HTTP.500"]) {
      expect("meaning" in answer(code)).toBe(false);
    }
  });

  it("ends a message with the code's remedy, then the IAM denial, one space apart", () => {
    const error = romaApiError(
      { status: 403, code: "APIG.1005", apiMessage: "m", denial: "abc", requestId: "r1" },
      "do it",
    );
    expect(error.message).toBe(
      "Could not do it: m (APIG.1005, HTTP 403, request r1). The credential is not allowed to do this: it needs write permission on ROMA Connect (for example the ROMA FullAccess policy). An IAM policy denied it; the answer's encoded_authorization_message says which statement: decode it with IAM's decode-authorization-message API (or give it to your IAM administrator): abc",
    );
  });
});
