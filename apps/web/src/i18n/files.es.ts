import type { filesEn } from './files.en';

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };

/** Textos de archivos adjuntos (multimedia de plantillas, respuestas del inbox). */
export const filesEs: Strings<typeof filesEn> = {
  files: {
    attach: 'Adjuntar un archivo',
    replace: 'Reemplazar',
    remove: 'Quitar {{name}}',
    dropHere: 'Suelta un archivo aquí o elige uno',
    dropActive: 'Suéltalo para adjuntarlo',
    limits: 'Imágenes JPEG/PNG hasta 5 MB, video MP4/3GP y audio hasta 16 MB, PDF y documentos de Office hasta 100 MB.',
    uploading: 'Subiendo {{name}}…',
    open: 'Abrir {{name}}',
    kinds: { image: 'Imagen', video: 'Video', audio: 'Audio', document: 'Documento' },
    errors: {
      tooBig: '{{name}} pesa {{size}}: los archivos de tipo {{kind}} pueden pesar como máximo {{max}}.',
      type: '{{name}} no se puede enviar: usa una imagen JPEG o PNG, video MP4 o 3GP, audio AAC, M4A, MP3, AMR u OGG, o un documento PDF, Word, Excel, PowerPoint o de texto.',
      oneFile: 'Adjunta un archivo a la vez.',
    },
  },
};
