/** JupyterLab plugins: a command (palette + launcher) opening a new backlog exploration notebook. */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';

export namespace CommandIDs {
  export const newExploration = 'attn-team:new-exploration-notebook';
}

const code = (source: string) => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null });
const markdown = (source: string) => ({ cell_type: 'markdown', metadata: {}, source });

/** The starting notebook: import an export, attend, explore. */
export const TEMPLATE = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
    language_info: { name: 'python' }
  },
  cells: [
    markdown('# Backlog exploration\n\nPoint `EXPORT` at your Jira export (CSV, JSON or XML) and run all cells.'),
    code('import attn_team\n\nEXPORT = "jira-export.csv"  # your file(s)\nbacklog = attn_team.read_jira(EXPORT)\nbacklog.summary()'),
    code('attention = attn_team.attend(backlog, to="items", k=10)\ngraph = attn_team.AttentionGraph(attention, threshold=0.05)\ngraph'),
    code('graph.selected  # click a node above'),
    code('attn_team.BacklogExplorer(backlog)')
  ]
};

function activate(app: JupyterFrontEnd, palette: ICommandPalette | null, launcher: ILauncher | null): void {
  const { commands, serviceManager } = app;
  commands.addCommand(CommandIDs.newExploration, {
    label: 'New backlog exploration notebook',
    caption: 'Open a notebook that imports a Jira export and explores it with attn_team',
    execute: async args => {
      const cwd = typeof args['cwd'] === 'string' ? (args['cwd'] as string) : '';
      const model = await serviceManager.contents.newUntitled({ path: cwd, type: 'notebook' });
      await serviceManager.contents.save(model.path, { type: 'notebook', format: 'json', content: TEMPLATE });
      return commands.execute('docmanager:open', { path: model.path, factory: 'Notebook' });
    }
  });
  if (palette) {
    palette.addItem({ command: CommandIDs.newExploration, category: 'attn_team' });
  }
  if (launcher) {
    launcher.add({ command: CommandIDs.newExploration, category: 'Notebook', rank: 50 });
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'attn-team:new-exploration',
  description: 'A command that opens a new backlog exploration notebook.',
  autoStart: true,
  requires: [],
  optional: [ICommandPalette, ILauncher],
  activate
};

export default plugin;
