import { describe, expect, it } from 'vitest'
import { EVIDENCE_ACCEPT, evidenceForm, isImage, sizeLabel } from './evidence'

describe('evidence helpers', () => {
  it('sends the owner and the file as multipart fields', async () => {
    const form = evidenceForm('visit', 'v-1', new Blob([new Uint8Array([0xff, 0xd8, 0xff])]), '走访.jpg')
    expect(form.get('owner_type')).toBe('visit')
    expect(form.get('owner_id')).toBe('v-1')
    const file = form.get('file') as File
    expect(file.name).toBe('走访.jpg')
    expect(file.size).toBe(3)
  })

  it('shows thumbnails of images only', () => {
    expect(isImage({ content_type: 'image/jpeg' })).toBe(true)
    expect(isImage({ content_type: 'image/png' })).toBe(true)
    expect(isImage({ content_type: 'application/pdf' })).toBe(false)
    expect(EVIDENCE_ACCEPT.split(',')).toEqual(['image/jpeg', 'image/png', 'application/pdf'])
  })

  it('writes sizes for people', () => {
    expect(sizeLabel(900)).toBe('900 B')
    expect(sizeLabel(2048)).toBe('2.0 KB')
    expect(sizeLabel(5 * 1024 * 1024)).toBe('5.0 MB')
  })
})
