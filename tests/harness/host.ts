/**
 * The real dynamic-provider host of `@pulumi/pulumi` (`cmd/dynamic-provider`), started as the
 * engine starts it and spoken to over gRPC as the engine speaks to it.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

type ProviderPb = typeof import("@pulumi/pulumi/proto/provider_pb");
type ProviderGrpc = typeof import("@pulumi/pulumi/proto/provider_grpc_pb");
type StatusPb = typeof import("@pulumi/pulumi/proto/status_pb");
type StructPb = typeof import("google-protobuf/google/protobuf/struct_pb");
type EmptyPb = typeof import("google-protobuf/google/protobuf/empty_pb");
type Grpc = typeof import("@grpc/grpc-js");

/** A property bag as the engine sends it. */
export type Props = Record<string, unknown>;

/** A config value; `secret` ones are sent wrapped, as the engine sends secrets. */
export type ConfigValue = string | { secret: string };

/** A create or update that failed after doing part of its work (Pulumi's init error). */
export interface PartialFailure {
  message: string;
  id: string;
  properties: Props;
  reasons: string[];
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/**
 * The gRPC client the harness speaks to the host with: grpc-js (in process), or Debian's
 * python3-grpcio (`tests/harness/grpc-call.py`, one process per call), which receives the large
 * status trailers grpc-js cannot, as the engine's grpc-go does.
 */
export type GrpcClient = "grpc-js" | "python";

const RESPONSES: Record<string, keyof ProviderPb | "Empty"> = {
  configure: "ConfigureResponse",
  check: "CheckResponse",
  diff: "DiffResponse",
  create: "CreateResponse",
  update: "UpdateResponse",
  read: "ReadResponse",
  delete: "Empty",
  cancel: "Empty",
};

export class ProviderHost {
  /** Everything the host printed (stdout and stderr), for checks that no secret leaked. */
  output = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: InstanceType<ProviderGrpc["ResourceProviderClient"]>,
    private readonly pb: ProviderPb,
    private readonly struct: StructPb,
    private readonly status: StatusPb,
    private readonly empty: EmptyPb,
    private readonly address: string,
    private readonly grpcClient: GrpcClient,
  ) {}

  /**
   * Starts the host of the `@pulumi/pulumi` found from `resolveFrom` (a folder), in `cwd` (the
   * program's folder, where the serialized provider's `require`s resolve), with `env`.
   */
  static async start(options: {
    cwd: string;
    resolveFrom?: string;
    env?: NodeJS.ProcessEnv;
    grpcClient?: GrpcClient;
  }) {
    const load = createRequire(join(options.resolveFrom ?? options.cwd, "index.js"));
    const pulumiDir = dirname(load.resolve("@pulumi/pulumi/package.json"));
    const fromPulumi = createRequire(join(pulumiDir, "index.js"));
    const grpc = fromPulumi("@grpc/grpc-js") as Grpc;
    const child = spawn(
      process.execPath,
      [join(pulumiDir, "cmd/dynamic-provider/index.js"), "127.0.0.1:1"],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        output += d.toString();
        const m = /^(\d+)\s*$/m.exec(output);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`provider host exited (${code}): ${output}`)));
    });
    const services = fromPulumi("./proto/provider_grpc_pb") as ProviderGrpc;
    // The engine's limits: grpc-go's 16 MiB header list, and the 400 MiB messages Pulumi allows
    // (sdk/go/common/util/rpcutil/serve.go, maxRPCMessageSize). grpc-js does not read
    // `grpc.max_metadata_size` and its HTTP/2 layer cannot take one header field over ~64 KiB,
    // so a partial failure larger than that (its properties travel in the status trailer) never
    // arrives through it (the call hangs); `grpcClient: "python"` receives it as the engine does.
    const client = new services.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
      {
        "grpc.max_metadata_size": 16 * 1024 * 1024,
        "grpc.max_receive_message_length": 400 * 1024 * 1024,
        "grpc.max_send_message_length": 400 * 1024 * 1024,
      },
    );
    const host = new ProviderHost(
      child,
      client,
      fromPulumi("./proto/provider_pb") as ProviderPb,
      fromPulumi("google-protobuf/google/protobuf/struct_pb") as StructPb,
      fromPulumi("./proto/status_pb") as StatusPb,
      fromPulumi("google-protobuf/google/protobuf/empty_pb") as EmptyPb,
      `127.0.0.1:${port}`,
      options.grpcClient ?? "grpc-js",
    );
    host.output = output;
    child.stdout.on("data", (d: Buffer) => (host.output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (host.output += d.toString()));
    return host;
  }

  /** Configure: the whole stack config, as the engine sends it to dynamic providers. */
  async configure(config: Record<string, ConfigValue>): Promise<void> {
    const args: Props = {};
    for (const [k, v] of Object.entries(config)) {
      args[k] = typeof v === "string" ? v : { [SECRET_SIG]: SECRET_VALUE, value: v.secret };
    }
    const req = new this.pb.ConfigureRequest();
    req.setArgs(this.struct.Struct.fromJavaScript(args as never));
    req.setAcceptsecrets(false);
    await this.call("configure", req);
  }

  async check(urn: string, olds: Props, news: Props) {
    const req = new this.pb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(this.toStruct(olds));
    req.setNews(this.toStruct(news));
    const resp = await this.call<InstanceType<ProviderPb["CheckResponse"]>>("check", req);
    return {
      inputs: resp.getInputs()?.toJavaScript() as Props,
      failures: resp
        .getFailuresList()
        .map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: Props, news: Props) {
    const req = new this.pb.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(this.toStruct(olds));
    req.setNews(this.toStruct(news));
    const resp = await this.call<InstanceType<ProviderPb["DiffResponse"]>>("diff", req);
    return {
      changes: resp.getChanges() === this.pb.DiffResponse.DiffChanges.DIFF_SOME,
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  /** Create; a partial success rejects with a `PartialFailure`. */
  async create(urn: string, props: Props): Promise<{ id: string; outputs: Props }> {
    const req = new this.pb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(this.toStruct(props));
    const resp = await this.call<InstanceType<ProviderPb["CreateResponse"]>>("create", req);
    return { id: resp.getId(), outputs: resp.getProperties()?.toJavaScript() as Props };
  }

  /** Update; a partial success rejects with a `PartialFailure`. */
  async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
    const req = new this.pb.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(this.toStruct(olds));
    req.setNews(this.toStruct(news));
    const resp = await this.call<InstanceType<ProviderPb["UpdateResponse"]>>("update", req);
    return resp.getProperties()?.toJavaScript() as Props;
  }

  async delete(urn: string, id: string, props: Props): Promise<void> {
    const req = new this.pb.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(this.toStruct(props));
    await this.call("delete", req);
  }

  /** Read (refresh): an empty id means the resource is gone. */
  async read(urn: string, id: string, props: Props) {
    const req = new this.pb.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(this.toStruct(props));
    const resp = await this.call<InstanceType<ProviderPb["ReadResponse"]>>("read", req);
    return {
      id: resp.getId(),
      outputs: resp.getProperties()?.toJavaScript() as Props,
      inputs: resp.getInputs()?.toJavaScript() as Props | undefined,
    };
  }

  /** What the engine sends on Ctrl-C (`Cancel`): the dynamic-provider host answers and ignores it. */
  async cancel(): Promise<void> {
    await this.call("cancel", new this.empty.Empty());
  }

  /** The host's process id (the benchmark reads its CPU time and peak memory from /proc). */
  get pid(): number {
    return this.child.pid!;
  }

  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill();
    });
  }

  private toStruct(props: Props) {
    return this.struct.Struct.fromJavaScript(props as never);
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    if (this.grpcClient === "python") return this.callPython<T>(method, req);
    type Unary = (req: unknown, done: (error: GrpcError | null, resp: T) => void) => void;
    const fn = (this.client as unknown as Record<string, Unary>)[method].bind(this.client);
    return new Promise<T>((resolve, reject) => {
      fn(req, (error, resp) => {
        if (!error) return resolve(resp);
        try {
          const details = error.metadata?.get("grpc-status-details-bin")[0];
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a partial failure is the engine's own kind of answer
          reject(
            details ? this.partialFailure(error, details as Buffer) : new Error(grpcMessage(error)),
          );
        } catch (parseError) {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as it came
          reject(parseError);
        }
      });
    });
  }

  private async callPython<T>(method: string, req: unknown): Promise<T> {
    const path = `/pulumirpc.ResourceProvider/${method[0].toUpperCase()}${method.slice(1)}`;
    const script = join(__dirname, "../../../tests/harness/grpc-call.py");
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        "/usr/bin/python3",
        [existsSync(script) ? script : join(__dirname, "grpc-call.py"), this.address, path],
        // The engine's client, not the program's: none of the program's environment (its
        // PULUMI_CONFIG alone can pass Linux's 128 KiB limit on one variable: spawn E2BIG).
        { maxBuffer: 1024 * 1024 * 1024, env: { PATH: process.env.PATH ?? "" } },
        (error, stdout, stderr) =>
          error ? reject(new Error(stderr || error.message)) : resolve(stdout),
      );
      child.stdin!.end(Buffer.from((req as { serializeBinary(): Uint8Array }).serializeBinary()));
    });
    const answer = JSON.parse(out) as {
      response?: string;
      message?: string;
      details?: string | null;
    };
    if (answer.response !== undefined) {
      const type = RESPONSES[method];
      const cls =
        type === "Empty"
          ? this.empty.Empty
          : (this.pb[type] as { deserializeBinary(b: Uint8Array): unknown });
      return cls.deserializeBinary(Buffer.from(answer.response, "base64")) as T;
    }
    const error = new Error(answer.message ?? "");
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a partial failure is the engine's own kind of answer
    throw answer.details
      ? this.partialFailure(error, Buffer.from(answer.details, "base64"))
      : error;
  }

  private partialFailure(error: Error, details: Buffer): PartialFailure {
    const status = this.status.Status.deserializeBinary(details);
    const any = status.getDetailsList()[0];
    const init = this.pb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
    return {
      message: grpcMessage(error),
      id: init.getId(),
      properties: init.getProperties()?.toJavaScript() as Props,
      reasons: init.getReasonsList(),
    };
  }
}

type GrpcError = Error & { metadata?: { get(key: string): unknown[] } };

/** True for what `create` and `update` reject with when part of the work was done. */
export function isPartialFailure(error: unknown): error is PartialFailure {
  return typeof error === "object" && error !== null && "properties" in error && "id" in error;
}

// gRPC prefixes "2 UNKNOWN: "; the engine shows the provider's own message.
function grpcMessage(error: Error): string {
  return error.message.replace(/^\d+ [A-Z_]+: /, "");
}
