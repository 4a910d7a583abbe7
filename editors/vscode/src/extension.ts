// Starts `aks-netlint server` for Terraform, variable files, Bicep, .bicepparam and ARM JSON, and
// restarts it when its path changes. Everything else (diagnostics, hover, quick fixes) is the
// language server's: this file only connects VS Code to it.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

const documents = [
  { scheme: "file", pattern: "**/*.tf" },
  { scheme: "file", pattern: "**/*.tfvars" },
  { scheme: "file", pattern: "**/*.bicep" },
  { scheme: "file", pattern: "**/*.bicepparam" },
  { scheme: "file", pattern: "**/*.json" },
  { scheme: "file", pattern: "**/*.jsonc" },
];

function settings(): object {
  return vscode.workspace.getConfiguration("aks-netlint").get<object>("settings") ?? {};
}

async function start(): Promise<void> {
  const command = vscode.workspace.getConfiguration("aks-netlint").get<string>("path") || "aks-netlint";
  const serverOptions: ServerOptions = { command, args: ["server"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documents,
    initializationOptions: settings(),
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher(
        "**/{*.tf,*.tfvars,*.bicep,*.bicepparam,*.json,*.jsonc,.aks-netlint.toml}",
      ),
    },
  };
  client = new LanguageClient("aks-netlint", "aks-netlint", serverOptions, clientOptions);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("aks-netlint.path")) {
        await client?.stop();
        await start();
      } else if (e.affectsConfiguration("aks-netlint.settings")) {
        await client?.sendNotification("workspace/didChangeConfiguration", {
          settings: settings(),
        });
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
