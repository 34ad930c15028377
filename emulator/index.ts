/**
 * A local stand-in for the app-authorization API of ROMA Connect and of the dedicated API Gateway
 * (APIG), each on its own instance of the seed (and the two IAM calls the provider makes), for
 * trying the provider without an account and for testing it.
 */
export {
  startEmulator,
  type Binding,
  type Emulator,
  type EmulatorControl,
  type EmulatorOptions,
  type LogEntry,
} from "./server";
export { ManualClock, type Clock } from "./clock";
export { FAULTS, type Fault, type FaultSettings, type Route } from "./faults";
export { makeSeed, RELEASE, stableId, type EmulatorSeed } from "./seed";
