/**
 * Ready-made loaders: short Python programs, kept here as readable text, that load one file the way a
 * user's code would (the real library, with its unsafe defaults on, because the point is to detonate the
 * file inside the sandbox). A missing library ends with LOADER_MISSING_EXIT and a line naming it, so the
 * report can say "install numpy" instead of calling a load that never happened clean.
 */

export const LOADERS = ['pickle', 'joblib', 'numpy', 'torch'] as const;
export type LoaderName = (typeof LOADERS)[number];

/** Exit status of a loader whose library is not installed. */
export const LOADER_MISSING_EXIT = 97;

/** Marker on the loader's stderr before the missing module's name. */
export const LOADER_MISSING_MARK = 'parapet-loader: missing python module ';

// Shared head: import the library or explain what is missing; the file path is argv[1].
const HEAD = (module: string, pipName: string) => `import sys
try:
    import ${module}
except ImportError as error:
    sys.stderr.write("${LOADER_MISSING_MARK}${module} (pip install ${pipName}): %s\\n" % error)
    sys.exit(${LOADER_MISSING_EXIT})
path = sys.argv[1]
`;

const TAIL = `print("parapet-loader: loaded", type(obj).__module__ + "." + type(obj).__qualname__)
`;

const BODY: Record<LoaderName, string> = {
  pickle: `${HEAD('pickle', 'nothing: it is in the standard library')}with open(path, "rb") as f:
    obj = pickle.load(f)
${TAIL}`,
  joblib: `${HEAD('joblib', 'joblib')}obj = joblib.load(path)
${TAIL}`,
  // allow_pickle=True: object arrays are where the code runs; every .npz member is read, not just listed.
  numpy: `${HEAD('numpy', 'numpy')}obj = numpy.load(path, allow_pickle=True)
if hasattr(obj, "files"):
    for name in obj.files:
        obj[name]
${TAIL}`,
  // weights_only=False is the pre-2.6 default and what old loading code still passes.
  torch: `${HEAD('torch', 'torch')}obj = torch.load(path, map_location="cpu", weights_only=False)
${TAIL}`,
};

/** The Python source of a loader. */
export function loaderSource(name: LoaderName): string {
  return BODY[name];
}

/** `python -I -c SOURCE MODEL`: isolated mode ignores PYTHON* variables and the user's site directory. */
export function loaderCommand(python: string, name: LoaderName, model: string): string[] {
  return [python, '-I', '-c', loaderSource(name), model];
}

export function isLoaderName(value: string): value is LoaderName {
  return (LOADERS as readonly string[]).includes(value);
}
